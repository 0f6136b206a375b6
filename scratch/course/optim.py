"""The course's "Optimization Methods": mini-batches, momentum, Adam, He init, rate decay.

Examples are COLUMNS, ``X`` (n_x, m), ``Y`` (1, m). ``parameters`` is ``{"W1", "b1", ...,
"WL", "bL"}`` with ``Wl`` (n_l, n_{l-1}) and ``bl`` (n_l, 1); ``grads``, the velocity ``v`` and
the squared-gradient average ``s`` are ``{"dW1", "db1", ...}``, each array shaped like its
parameter.

The rules are the core's textbook steps (:mod:`scratch.optimizers`: ``sgd_step``,
``moving_average_momentum_step``, ``textbook_adam_step``, which state them), the decays
:class:`scratch.schedules.InverseTimeDecay`. Unlike the course, no function here changes its
arguments: the updates copy ``parameters``, ``v`` and ``s`` and return new dicts, so a caller
can keep the state before a step. The net these train is :mod:`scratch.course.moons_net`.
"""

from __future__ import annotations

import math

import numpy as np

from scratch.course.moons_net import (
    backward_propagation,
    compute_cost,
    forward_propagation,
    predict,
    predict_dec,
)
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
    # the net, from scratch.course.moons_net (this module held it first)
    "forward_propagation",
    "backward_propagation",
    "compute_cost",
    "predict",
    "predict_dec",
]


def _float_copy(a) -> np.ndarray:
    """A fresh copy of ``a`` in a float dtype (float dtypes kept, others become float64)."""
    a = np.asarray(a)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.float64
    return a.astype(dtype, copy=True)


def _copy_dict(arrays: dict) -> dict:
    return {key: _float_copy(value) for key, value in arrays.items()}


def _zeros_like_grads(parameters: dict) -> dict:
    zeros = {}
    for l in range(1, len(parameters) // 2 + 1):
        zeros[f"dW{l}"] = np.zeros_like(parameters[f"W{l}"], dtype=np.float64)
        zeros[f"db{l}"] = np.zeros_like(parameters[f"b{l}"], dtype=np.float64)
    return zeros


def param_grad_keys(parameters: dict):
    """``("W1", "dW1"), ("b1", "db1"), ...`` for every layer."""
    for l in range(1, len(parameters) // 2 + 1):
        yield f"W{l}", f"dW{l}"
        yield f"b{l}", f"db{l}"


# ---------------------------------------------------------------------------------------------
# gradient descent and mini-batches
# ---------------------------------------------------------------------------------------------


def update_parameters_with_gd(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """One gradient-descent step on every ``W`` and ``b``; returns the new parameters."""
    parameters = _copy_dict(parameters)
    for key, grad_key in param_grad_keys(parameters):
        sgd_step(parameters[key], grads[grad_key], learning_rate)
    return parameters


def random_mini_batches(
    X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(X_batch (n_x, size), Y_batch (1, size)), ...]``: the columns shuffled, then cut.

    The permutation is drawn after ``np.random.seed(seed)``: the course's global-state seeding,
    kept so that its batches are reproduced. The last batch holds the ``m % mini_batch_size``
    examples left over, when there are any.
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
# momentum and Adam, the course's textbook forms
# ---------------------------------------------------------------------------------------------


def initialize_velocity(parameters: dict) -> dict:
    """Zero velocities ``{"dW1", "db1", ...}`` (float64)."""
    return _zeros_like_grads(parameters)


def update_parameters_with_momentum(
    parameters: dict, grads: dict, v: dict, beta: float, learning_rate: float
) -> tuple[dict, dict]:
    """One step of the course's moving-average momentum; returns ``(parameters, v)``."""
    parameters, v = _copy_dict(parameters), _copy_dict(v)
    for key, grad_key in param_grad_keys(parameters):
        moving_average_momentum_step(
            parameters[key], grads[grad_key], v[grad_key], learning_rate, beta
        )
    return parameters, v


def initialize_adam(parameters: dict) -> tuple[dict, dict]:
    """Zero first and second moments ``(v, s)``, each ``{"dW1", "db1", ...}`` (float64)."""
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
    """One step of the course's Adam (eps outside the root; ``t`` from 1); returns
    ``(parameters, v, s, v_corrected, s_corrected)``, the last two the bias-corrected moments."""
    parameters, v, s = _copy_dict(parameters), _copy_dict(v), _copy_dict(s)
    v_corrected, s_corrected = {}, {}
    for key, grad_key in param_grad_keys(parameters):
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
    """He weights for layer sizes ``[n_x, n_1, ..., n_L]``: ``Wl = randn(n_l, n_{l-1}) ·
    sqrt(2 / n_{l-1})``, ``bl = 0``, drawn after ``np.random.seed(3)`` (the course's seed and
    global-state seeding, kept so that its weights are reproduced)."""
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        fan_in = layer_dims[l - 1]
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], fan_in) * np.sqrt(2 / fan_in)
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """``lr0 / (1 + decay_rate · epoch_num)``."""
    return InverseTimeDecay(learning_rate0, 1, decay_rate)(epoch_num)


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """``lr0 / (1 + decay_rate · floor(epoch_num / time_interval))``: a drop every
    ``time_interval`` epochs."""
    return InverseTimeDecay(learning_rate0, time_interval, decay_rate, staircase=True)(epoch_num)
