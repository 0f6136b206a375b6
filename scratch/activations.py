"""Activation functions, their derivatives and the forward/backward pairs the MLP uses.

Every function is elementwise (except :func:`softmax`, row-wise) on any shape; float inputs
keep their dtype, integers are computed in float64, a scalar gives a scalar. ``out`` is a
preallocated array for the result, possibly the input itself: the MLP applies activations in
place. ``*_derivative(z)`` takes the pre-activation, as the course does; ``*_backward(a, grad,
out=None)`` returns ``grad * f'(z)`` from the OUTPUT ``a`` (n, h), so that a layer keeps only
its activations:

========== ====================== ==============================
name        forward a = f(z)       f'(z) from the output a
========== ====================== ==============================
sigmoid     1 / (1 + exp(-z))      a (1 - a)
relu        max(z, 0)              1 if a > 0 else 0
leaky_relu  max(z, s z), 0<=s<=1   1 if a > 0 else s
tanh        tanh(z)                1 - a^2
========== ====================== ==============================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_derivative",
    "relu",
    "relu_backward",
    "relu_derivative",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_derivative",
    "softmax",
    "tanh",
    "tanh_backward",
    "tanh_derivative",
]


def _as_float_array(z):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z


def _result(out, z):
    """A scalar for 0-d input, so that ``sigmoid(1.0)`` is a number."""
    return out[()] if z.ndim == 0 else out


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------


def sigmoid(z, out=None):
    """``1 / (1 + e)`` for z >= 0 and ``e / (1 + e)`` for z < 0, with ``e = exp(-|z|)`` in
    (0, 1]: never overflows, so ``sigmoid(±1000)`` is exactly 1 and 0 with no warning."""
    z = _as_float_array(z)
    nonneg = z >= 0  # computed before ``out`` (possibly ``z``) is overwritten
    if out is None:
        out = np.empty_like(z)
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)  # e = exp(-|z|)
    denom = out + 1.0
    np.divide(out, denom, out=out, where=~nonneg)  # z < 0:  e / (1 + e)
    np.divide(1.0, denom, out=out, where=nonneg)  # z >= 0: 1 / (1 + e)
    return _result(out, z)


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_backward(a, grad, out=None):
    local = np.subtract(1.0, a)
    np.multiply(local, a, out=local)
    return np.multiply(grad, local, out=out)


# ---------------------------------------------------------------------------------------------
# relu
# ---------------------------------------------------------------------------------------------


def relu(z, out=None):
    z = _as_float_array(z)
    return _result(np.maximum(z, 0.0, out=out), z)


def relu_derivative(z):
    """0 at the kink, as TensorFlow."""
    z = _as_float_array(z)
    return _result((z > 0).astype(z.dtype), z)


def relu_backward(a, grad, out=None):
    return np.multiply(grad, a > 0, out=out)


# ---------------------------------------------------------------------------------------------
# leaky relu
# ---------------------------------------------------------------------------------------------


def leaky_relu(z, negative_slope=0.2, out=None):
    """Keras 3's default slope, 0.2."""
    z = _as_float_array(z)
    if 0.0 <= negative_slope <= 1.0:  # then leaky_relu(z) = max(z, s z), as tf.nn.leaky_relu
        scaled = np.multiply(z, negative_slope)
        return _result(np.maximum(z, scaled, out=out), z)
    if out is None:
        out = np.empty_like(z)
    np.copyto(out, np.where(z >= 0, z, negative_slope * z))
    return _result(out, z)


def leaky_relu_derivative(z, negative_slope=0.2):
    z = _as_float_array(z)
    one = np.ones((), dtype=z.dtype)
    return _result(np.where(z > 0, one, z.dtype.type(negative_slope)), z)


def leaky_relu_backward(a, grad, out=None, negative_slope=0.2):
    """``a > 0`` exactly where ``z > 0`` (for a slope > 0), so the output tells the side."""
    local = np.where(a > 0, a.dtype.type(1.0), a.dtype.type(negative_slope))
    return np.multiply(grad, local, out=out)


# ---------------------------------------------------------------------------------------------
# tanh
# ---------------------------------------------------------------------------------------------


def tanh(z, out=None):
    z = _as_float_array(z)
    return _result(np.tanh(z, out=out), z)


def tanh_derivative(z):
    t = tanh(z)
    return 1.0 - t * t


def tanh_backward(a, grad, out=None):
    local = np.square(a)
    np.subtract(1.0, local, out=local)
    return np.multiply(grad, local, out=out)


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------


def softmax(x, axis=-1):
    """Entries along ``axis`` (rows of a 2-D array) sum to 1; the maximum is subtracted first
    so that ``exp`` cannot overflow."""
    x = _as_float_array(x)
    e = np.subtract(x, np.max(x, axis=axis, keepdims=True))
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """A hidden-layer activation by its Keras name: ``forward(z, out=None)`` and
    ``backward(a, grad, out=None)``."""

    name: str
    forward: Callable
    backward: Callable


ACTIVATIONS = {
    "relu": Activation("relu", relu, relu_backward),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_backward),
    "tanh": Activation("tanh", tanh, tanh_backward),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_backward),
}


def get(name):
    """The :class:`Activation` called ``name`` (any case), else ValueError."""
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(
            f"Argument `activation` must be one of {sorted(ACTIVATIONS)}. "
            f"Received: activation={name!r}"
        )
    return ACTIVATIONS[key]
