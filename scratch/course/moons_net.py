"""The course's ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID`` net (the moons experiment).

Examples are COLUMNS, ``X`` (n_x, m), ``Y`` (1, m); ``parameters`` is ``{"W1", "b1", ...}``
with ``Wl`` (n_l, n_{l-1}) and ``bl`` (n_l, 1); the last layer has one unit. With ``A_0 = X``::

    Z_l = W_l A_{l-1} + b_l;   A_l = relu(Z_l),  A_L = sigmoid(Z_L)
    dZ_L = (A_L - Y) / m
    dW_l = dZ_l A_{l-1}^T;     db_l = sum over columns of dZ_l
    dZ_{l-1} = (W_l^T dZ_l) relu'(Z_{l-1})

These are the gradients of the MEAN cross-entropy, while :func:`compute_cost` SUMS it: the
course's convention (its training loop divides the summed cost by m itself).
"""

from __future__ import annotations

import numpy as np

from scratch.activations import relu, relu_derivative, sigmoid
from scratch.losses import binary_crossentropy

__all__ = ["backward_propagation", "compute_cost", "forward_propagation", "predict", "predict_dec"]


def forward_propagation(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, list]:
    """``(A_L (1, m), caches)``, one ``(A_prev, W, Z, A)`` per layer for the backward pass."""
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        A_next = sigmoid(Z) if l == L else relu(Z)
        caches.append((A, W, Z, A_next))
        A = A_next
    return A, caches


def backward_propagation(X: np.ndarray, Y: np.ndarray, caches: list) -> dict:
    """``{"dW1", "db1", ...}`` shaped like the parameters. ``X`` is unused (the first cache
    holds it); it stays for the course's signature."""
    m = Y.shape[1]
    L = len(caches)
    grads = {}
    AL = caches[-1][3]
    dZ = (AL - Y) / m
    for l in range(L, 0, -1):
        A_prev, W, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dZ = (W.T @ dZ) * relu_derivative(caches[l - 2][2])
    return grads


def compute_cost(a3: np.ndarray, Y: np.ndarray) -> float:
    """The SUMMED cross-entropy of the output ``a3`` (1, m), unclipped as in the course."""
    return binary_crossentropy(Y, a3, epsilon=0.0) * np.size(a3)


def predict_dec(parameters: dict, X: np.ndarray) -> np.ndarray:
    """``A_L > 0.5``, (1, m) booleans (what the decision-boundary plots draw)."""
    AL, _ = forward_propagation(X, parameters)
    return AL > 0.5


def predict(X: np.ndarray, y: np.ndarray, parameters: dict) -> np.ndarray:
    """0/1 predictions (1, m), printing ``"Accuracy: ..."`` against ``y`` as the course did.

    Not the logistic-regression ``predict(w, b, X)`` that ``scratch.predict`` names.
    """
    p = predict_dec(parameters, X).astype(np.int64)
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p
