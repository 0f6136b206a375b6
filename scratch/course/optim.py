"""Course optimisation: mini-batches, momentum, Adam, learning-rate decay and the moons net.

The seed course's "Optimization Methods" assignment. Conventions:

- examples are COLUMNS: ``X`` of shape (n_x, m), ``Y`` of shape (1, m);
- ``parameters`` is a dict ``{"W1", "b1", ..., "WL", "bL"}`` with ``Wl`` of shape
  (n_l, n_{l-1}) and ``bl`` of shape (n_l, 1);
- ``grads``, the velocity ``v`` and the squared-gradient average ``s`` are dicts keyed
  ``{"dW1", "db1", ...}``, each array shaped like its parameter.

The update rules are the core's textbook steps (:mod:`scratch.optimizers`):
:func:`~scratch.optimizers.sgd_step`, :func:`~scratch.optimizers.moving_average_momentum_step`
(``v = βv + (1−β)g; w −= lr·v``) and :func:`~scratch.optimizers.textbook_adam_step` (ε outside
the bias-corrected root); the decays are :class:`scratch.schedules.InverseTimeDecay`.

Unlike the course, no function here modifies its arguments: the update functions copy the
arrays of ``parameters``, ``v`` and ``s`` and return new dicts.
"""

from __future__ import annotations

import math

import numpy as np

from scratch.activations import relu, relu_derivative, sigmoid
from scratch.losses import binary_crossentropy
from scratch.optimizers import moving_average_momentum_step, sgd_step, textbook_adam_step
from scratch.schedules import InverseTimeDecay

__all__ = [
    "update_parameters_with_gd",
    "random_mini_batches",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
    "initialize_parameters",
    "update_lr",
    "schedule_lr_decay",
    "forward_propagation",
    "backward_propagation",
    "compute_cost",
    "predict",
    "predict_dec",
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _num_layers(parameters: dict) -> int:
    """Number of layers L of a ``{"W1", "b1", ..., "WL", "bL"}`` dict."""
    return len(parameters) // 2


def _float_copy(a) -> np.ndarray:
    """A fresh copy of ``a`` in a float dtype (float dtypes kept, others become float64)."""
    a = np.asarray(a)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.float64
    return a.astype(dtype, copy=True)


def _copy_dict(arrays: dict) -> dict:
    """A new dict holding float copies of ``arrays``' values."""
    return {key: _float_copy(value) for key, value in arrays.items()}


def _zeros_like_grads(parameters: dict) -> dict:
    """``{"dW1": zeros_like(W1), "db1": zeros_like(b1), ...}``."""
    zeros = {}
    for l in range(1, _num_layers(parameters) + 1):
        zeros[f"dW{l}"] = np.zeros_like(parameters[f"W{l}"], dtype=np.float64)
        zeros[f"db{l}"] = np.zeros_like(parameters[f"b{l}"], dtype=np.float64)
    return zeros


def _param_grad_keys(parameters: dict):
    """Yield ``("W1", "dW1"), ("b1", "db1"), ...`` for every layer."""
    for l in range(1, _num_layers(parameters) + 1):
        yield f"W{l}", f"dW{l}"
        yield f"b{l}", f"db{l}"


# ---------------------------------------------------------------------------------------------
# gradient descent and mini-batches
# ---------------------------------------------------------------------------------------------


def update_parameters_with_gd(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """One step of gradient descent: ``W = W − lr·dW``, ``b = b − lr·db`` for every layer.

    Parameters
    ----------
    parameters : dict
        ``"Wl"``: ndarray of shape (n_l, n_{l-1}); ``"bl"``: ndarray of shape (n_l, 1).
    grads : dict
        ``"dWl"``, ``"dbl"``: ndarrays shaped like ``"Wl"``, ``"bl"``.
    learning_rate : float

    Returns
    -------
    dict
        The updated parameters (new arrays; ``parameters`` is not modified).
    """
    parameters = _copy_dict(parameters)
    for key, grad_key in _param_grad_keys(parameters):
        sgd_step(parameters[key], grads[grad_key], learning_rate)
    return parameters


def random_mini_batches(
    X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the examples (columns) and cut them into mini-batches.

    The permutation is ``np.random.permutation(m)`` after ``np.random.seed(seed)`` (the
    course's global-state seeding, kept so that the course's batches are reproduced). All
    batches hold ``mini_batch_size`` examples except the last one, which holds the
    ``m % mini_batch_size`` left over (when that is not 0).

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m)
    mini_batch_size : int, default 64
    seed : int, default 0

    Returns
    -------
    list of (mini_batch_X, mini_batch_Y)
        ``mini_batch_X`` of shape (n_x, size), ``mini_batch_Y`` of shape (1, size).
    """
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((Y.shape[0], m))
    num_complete = math.floor(m / mini_batch_size)
    mini_batches = []
    for k in range(num_complete):
        batch = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        mini_batches.append((shuffled_X[:, batch], shuffled_Y[:, batch]))
    if m % mini_batch_size != 0:
        rest = slice(num_complete * mini_batch_size, m)
        mini_batches.append((shuffled_X[:, rest], shuffled_Y[:, rest]))
    return mini_batches


# ---------------------------------------------------------------------------------------------
# momentum
# ---------------------------------------------------------------------------------------------


def initialize_velocity(parameters: dict) -> dict:
    """Zero velocities ``{"dW1": zeros_like(W1), "db1": zeros_like(b1), ...}`` (float64).

    Parameters
    ----------
    parameters : dict
        ``"Wl"``: ndarray of shape (n_l, n_{l-1}); ``"bl"``: ndarray of shape (n_l, 1).

    Returns
    -------
    dict
    """
    return _zeros_like_grads(parameters)


def update_parameters_with_momentum(
    parameters: dict, grads: dict, v: dict, beta: float, learning_rate: float
) -> tuple[dict, dict]:
    """One step of momentum in the course's moving-average form.

    ``v = β·v + (1 − β)·g; w = w − lr·v`` for every ``W`` and ``b``
    (:func:`scratch.optimizers.moving_average_momentum_step`; not Keras' ``v = βv − lr·g``).

    Parameters
    ----------
    parameters : dict
        ``"Wl"``, ``"bl"`` arrays.
    grads : dict
        ``"dWl"``, ``"dbl"`` arrays.
    v : dict
        ``"dWl"``, ``"dbl"`` velocities (see :func:`initialize_velocity`).
    beta : float
        Momentum, in [0, 1).
    learning_rate : float

    Returns
    -------
    parameters, v : dict
        New dicts of new arrays; the arguments are not modified.
    """
    parameters, v = _copy_dict(parameters), _copy_dict(v)
    for key, grad_key in _param_grad_keys(parameters):
        moving_average_momentum_step(
            parameters[key], grads[grad_key], v[grad_key], learning_rate, beta
        )
    return parameters, v


# ---------------------------------------------------------------------------------------------
# Adam
# ---------------------------------------------------------------------------------------------


def initialize_adam(parameters: dict) -> tuple[dict, dict]:
    """Zero first and second moment estimates ``v`` and ``s``, keyed ``"dW1", "db1", ...``.

    Parameters
    ----------
    parameters : dict
        ``"Wl"``, ``"bl"`` arrays.

    Returns
    -------
    v, s : dict
        float64 zeros shaped like the parameters.
    """
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def update_parameters_with_adam(
    parameters: dict,
    grads: dict,
    v: dict,
    s: dict,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[dict, dict, dict, dict, dict]:
    """One step of Adam in the course's textbook form (ε outside the bias-corrected root).

    ``v = β1·v + (1 − β1)·g``; ``s = β2·s + (1 − β2)·g²``;
    ``v̂ = v / (1 − β1ᵗ)``; ``ŝ = s / (1 − β2ᵗ)``; ``w = w − lr·v̂ / (√ŝ + ε)``
    (:func:`scratch.optimizers.textbook_adam_step`; Keras' form differs, see the SPEC).

    Parameters
    ----------
    parameters : dict
        ``"Wl"``, ``"bl"`` arrays.
    grads : dict
        ``"dWl"``, ``"dbl"`` arrays.
    v, s : dict
        ``"dWl"``, ``"dbl"`` moment estimates (see :func:`initialize_adam`).
    t : int
        Step number, counted from 1.
    learning_rate : float, default 0.01
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    epsilon : float, default 1e-8

    Returns
    -------
    parameters, v, s : dict
        New dicts of new arrays; the arguments are not modified.
    v_corrected, s_corrected : dict
        The bias-corrected moments ``v̂`` and ``ŝ``, keyed ``"dWl"``, ``"dbl"``.
    """
    parameters, v, s = _copy_dict(parameters), _copy_dict(v), _copy_dict(s)
    v_corrected, s_corrected = {}, {}
    for key, grad_key in _param_grad_keys(parameters):
        v_corrected[grad_key], s_corrected[grad_key] = textbook_adam_step(
            parameters[key],
            grads[grad_key],
            v[grad_key],
            s[grad_key],
            t,
            learning_rate,
            beta_1=beta1,
            beta_2=beta2,
            epsilon=epsilon,
        )
    return parameters, v, s, v_corrected, s_corrected


# ---------------------------------------------------------------------------------------------
# initialisation and learning-rate decay
# ---------------------------------------------------------------------------------------------


def initialize_parameters(layer_dims) -> dict:
    """He initialisation of a net with layer sizes ``layer_dims = [n_x, n_1, ..., n_L]``.

    After ``np.random.seed(3)`` (the course's seed and global-state seeding, kept so that the
    course's weights are reproduced): ``Wl = randn(n_l, n_{l-1}) · sqrt(2 / n_{l-1})``,
    ``bl = zeros((n_l, 1))``.

    Parameters
    ----------
    layer_dims : sequence of int
        Layer sizes, input first.

    Returns
    -------
    dict
        ``"Wl"``: ndarray of shape (n_l, n_{l-1}); ``"bl"``: ndarray of shape (n_l, 1).
    """
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        fan_in = layer_dims[l - 1]
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], fan_in) * np.sqrt(2 / fan_in)
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """Inverse-time decay every epoch: ``lr0 / (1 + decay_rate · epoch_num)``.

    Parameters
    ----------
    learning_rate0 : float
    epoch_num : int
    decay_rate : float

    Returns
    -------
    float
    """
    return InverseTimeDecay(learning_rate0, 1, decay_rate)(epoch_num)


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """Staircase inverse-time decay: ``lr0 / (1 + decay_rate · floor(epoch_num / time_interval))``.

    Parameters
    ----------
    learning_rate0 : float
    epoch_num : int
    decay_rate : float
    time_interval : int, default 1000
        Number of epochs between two drops of the learning rate.

    Returns
    -------
    float
    """
    return InverseTimeDecay(learning_rate0, time_interval, decay_rate, staircase=True)(epoch_num)


# ---------------------------------------------------------------------------------------------
# the course's relu ... relu -> sigmoid net (the "moons" experiment)
# ---------------------------------------------------------------------------------------------


def forward_propagation(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, list]:
    """Forward pass of ``[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID``.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    parameters : dict
        ``"Wl"``: ndarray of shape (n_l, n_{l-1}); ``"bl"``: ndarray of shape (n_l, 1);
        the last layer has ``n_L = 1`` unit (the course's net is ``[n_x, 20, 3, 1]`` deep).

    Returns
    -------
    AL : ndarray of shape (1, m)
        Probabilities of class 1 (``a3`` in the course's 3-layer net).
    caches : list of tuple
        One ``(A_prev, W, Z, A)`` per layer, for :func:`backward_propagation`.
    """
    L = _num_layers(parameters)
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
    """Backward pass of :func:`forward_propagation`: gradients of the MEAN cross-entropy.

    ``dZL = (AL − Y) / m``; then per layer ``dWl = dZl A_{l-1}ᵀ``, ``dbl = Σ_columns dZl``,
    ``dZ_{l-1} = (Wlᵀ dZl) · relu'(Z_{l-1})``. These are the gradients of
    ``compute_cost(AL, Y) / m`` (the course's convention: the cost is summed, the gradient
    averaged).

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Not needed (the first cache holds it); kept for the course's signature.
    Y : ndarray of shape (1, m)
    caches : list of tuple
        As returned by :func:`forward_propagation`.

    Returns
    -------
    dict
        ``"dWl"`` of shape (n_l, n_{l-1}) and ``"dbl"`` of shape (n_l, 1) for every layer.
    """
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
    """SUMMED (not averaged) cross-entropy ``Σ −(Y log a + (1−Y) log(1−a))``, unclipped.

    The course's moons experiment sums this over mini-batches and divides by m itself.

    Parameters
    ----------
    a3 : ndarray of shape (1, m)
        Output probabilities of :func:`forward_propagation`.
    Y : ndarray of shape (1, m)

    Returns
    -------
    float
    """
    return binary_crossentropy(Y, a3, epsilon=0.0) * np.size(a3)


def predict_dec(parameters: dict, X: np.ndarray) -> np.ndarray:
    """Boolean predictions ``AL > 0.5`` of the net (used to draw decision boundaries).

    Parameters
    ----------
    parameters : dict
        ``"Wl"``, ``"bl"`` arrays.
    X : ndarray of shape (n_x, m)

    Returns
    -------
    ndarray of shape (1, m), bool
    """
    AL, _ = forward_propagation(X, parameters)
    return AL > 0.5


def predict(X: np.ndarray, y: np.ndarray, parameters: dict) -> np.ndarray:
    """0/1 predictions of the net, printing ``"Accuracy: ..."`` against ``y`` as the course did.

    Not to be confused with the logistic-regression ``predict(w, b, X)``, which is the one
    ``scratch.predict`` names; this one is ``scratch.course.optim.predict``.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    y : ndarray of shape (1, m)
    parameters : dict
        ``"Wl"``, ``"bl"`` arrays.

    Returns
    -------
    ndarray of shape (1, m), int64
    """
    p = predict_dec(parameters, X).astype(np.int64)
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p
