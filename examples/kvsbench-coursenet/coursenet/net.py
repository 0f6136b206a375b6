"""The course's ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID`` network, with Keras' update
rules, written the way the course writes it.

Examples are COLUMNS: ``X`` (n_x, m), ``Y`` (1, m). ``parameters`` is ``{"W1", "b1", ...}``
with ``Wl`` (n_l, n_{l-1}) and ``bl`` (n_l, 1); the last layer has one unit (L = 1 is
logistic regression). With ``A_0 = X``::

    Z_l = W_l A_{l-1} + b_l;   A_l = relu(Z_l),  A_L = sigmoid(Z_L)
    dZ_L = (A_L - Y) / m        (the gradient of the MEAN cross-entropy)
    dW_l = dZ_l A_{l-1}^T;     db_l = sum over columns of dZ_l
    dZ_{l-1} = (W_l^T dZ_l) * relu'(Z_{l-1})

The updates are Keras 3's (``t`` counts steps from 1)::

    sgd        W -= lr dW
    momentum   v = beta v - lr dW;  W += v
    rmsprop    s = rho s + (1 - rho) dW^2;  W -= lr dW / sqrt(s + eps)
    adam       m += (dW - m)(1 - beta_1);  v += (dW^2 - v)(1 - beta_2)
               W -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)
"""

import numpy as np


def parameters_from_keras(weights):
    """``{"W1", "b1", ...}`` from Keras' weights [kernel (in, out), bias (out,), ...]."""
    parameters = {}
    for l, (kernel, bias) in enumerate(zip(weights[0::2], weights[1::2]), start=1):
        parameters[f"W{l}"] = np.array(np.asarray(kernel).T, dtype=np.float32)
        parameters[f"b{l}"] = np.array(np.asarray(bias).reshape(-1, 1), dtype=np.float32)
    return parameters


def parameters_to_keras(parameters):
    """Keras' weights (copies) from ``{"W1", "b1", ...}``."""
    out = []
    for l in range(1, len(parameters) // 2 + 1):
        out += [parameters[f"W{l}"].T.copy(), parameters[f"b{l}"].reshape(-1).copy()]
    return out


def forward_propagation(X, parameters):
    """``(Z_L (1, m), caches)``: the output's logits, and ``(A_prev, W, Z)`` per layer."""
    L = len(parameters) // 2
    caches, A = [], X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        caches.append((A, W, Z))
        A = np.maximum(Z, 0) if l < L else None
    return Z, caches


def backward_propagation(Y, caches):
    """``{"dW1", "db1", ...}`` of the mean cross-entropy, shaped like the parameters."""
    m = Y.shape[1]
    L = len(caches)
    grads = {}
    Z_L = caches[-1][2]
    dZ = (1 / (1 + np.exp(-Z_L)) - Y) / m
    for l in range(L, 0, -1):
        A_prev, W, _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dZ = (W.T @ dZ) * (caches[l - 2][2] > 0)
    return grads


def initialize_slots(parameters, slot_names):
    """``{slot name: {"W1": zeros, ...}}`` for the optimizer's slots."""
    return {name: {k: np.zeros_like(p) for k, p in parameters.items()} for name in slot_names}


def update_parameters(parameters, grads, slots, t, learning_rate, optimizer, hyper):
    """One step of ``optimizer`` in place; ``t`` is this step's number (from 1)."""
    lr = learning_rate
    for key, W in parameters.items():
        g = grads["d" + key]
        if optimizer == "sgd":
            W -= lr * g
        elif optimizer == "momentum":
            v = slots["momentum"][key]
            v[...] = hyper["momentum"] * v - lr * g
            W += v
        elif optimizer == "rmsprop":
            s = slots["velocity"][key]
            s[...] = hyper["rho"] * s + (1 - hyper["rho"]) * g * g
            W -= lr * g / np.sqrt(s + hyper["epsilon"])
        elif optimizer == "adam":
            m, v = slots["momentum"][key], slots["velocity"][key]
            b1, b2 = hyper["beta_1"], hyper["beta_2"]
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            # in float32, as Keras: 0.999 ** t in float64 differs by ~1e-5 of the step early on
            b1, b2, one = np.float32(b1), np.float32(b2), np.float32(1)
            alpha = np.float32(lr) * np.sqrt(one - b2 ** t) / (one - b1 ** t)
            W -= alpha * m / (np.sqrt(v) + hyper["epsilon"])
        else:
            raise ValueError(f"Argument `optimizer` must be sgd, momentum, rmsprop or adam. "
                             f"Received: optimizer={optimizer!r}")
