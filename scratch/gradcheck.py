"""Gradient checking by central differences.

``dL/dθ_i ≈ (L(θ + eps e_i) - L(θ - eps e_i)) / (2 eps)``, compared with an analytic gradient by
``relative_error(a, b) = ||a - b|| / (||a|| + ||b||)`` (over all entries). In float64 a correct
backward pass gives a relative error far below 1e-7.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_model_gradients", "compute_numerical_gradient", "relative_error"]


def _numerical_gradient_of(f, params, array, eps):
    """Central-difference gradient of ``f(params)`` with respect to the entries of ``array``."""
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise ValueError(
            "Argument `params` must be float numpy arrays (perturbed in place). "
            f"Received: {type(array).__name__} of dtype {getattr(array, 'dtype', None)}"
        )
    grad = np.zeros(array.shape, dtype=np.float64)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + eps
        plus = np.asarray(f(params), dtype=np.float64).item()
        array[index] = original - eps
        minus = np.asarray(f(params), dtype=np.float64).item()
        array[index] = original  # restores the exact value
        grad[index] = (plus - minus) / (2.0 * eps)
    return grad.astype(array.dtype, copy=False)


def compute_numerical_gradient(f, params, eps=1e-4):
    """The gradient of ``f(params) -> float`` by central differences, shaped like ``params``
    (an array or a list of arrays). Each entry is perturbed IN PLACE, so ``f`` must read
    ``params``; it is restored to its exact value after."""
    if not eps > 0:
        raise ValueError(f"Argument `eps` must be > 0. Received: eps={eps}")
    if isinstance(params, (list, tuple)):
        return [_numerical_gradient_of(f, params, array, eps) for array in params]
    return _numerical_gradient_of(f, params, params, eps)


def _flat(a):
    if isinstance(a, (list, tuple)):
        if not a:
            return np.zeros(0)
        return np.concatenate([np.asarray(x, dtype=np.float64).reshape(-1) for x in a])
    return np.asarray(a, dtype=np.float64).reshape(-1)


def relative_error(a, b):
    """Over all entries (lists are concatenated in order); 0.0 if both are zero."""
    a, b = _flat(a), _flat(b)
    if a.shape != b.shape:
        raise ValueError(
            "Arguments `a` and `b` must hold the same number of values. "
            f"Received: {a.size} and {b.size}"
        )
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)


def check_model_gradients(model, X, y, eps=1e-5):
    """``relative_error`` of ``model.loss_and_grads`` against central differences of
    ``model.loss``, over all parameters. The model must be float64 (float32's round-off would
    swamp the differences) and small: two forward passes per parameter."""
    if np.dtype(model.dtype) != np.float64:
        raise ValueError(
            "check_model_gradients needs a float64 model (build it with dtype=np.float64). "
            f"Received: dtype={np.dtype(model.dtype).name}"
        )
    _, grads, _ = model.loss_and_grads(X, y)
    analytic = [g.copy() for g in grads]
    numerical = compute_numerical_gradient(lambda _: model.loss(X, y), model.params, eps)
    return relative_error(analytic, numerical)
