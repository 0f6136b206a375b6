"""Activation functions, their derivatives and the forward/backward pairs the MLP uses.

Every function is elementwise (except :func:`softmax`, which is row-wise) and accepts any
array shape. Float inputs keep their dtype; integer inputs are computed in float64.
Functions that take ``out`` write the result into that preallocated array (which may be the
input itself, for an in-place update) and return it.

The backward helpers (``*_backward``) express the derivative from the activation's OUTPUT
``a`` where possible, so a layer only keeps its activations and not its pre-activations:

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
    """Return ``z`` as an ndarray of a float dtype (no copy when it already is one)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z


def _result(out, z):
    """Return a scalar for 0-d input (so ``sigmoid(1.0)`` is a number) and the array otherwise."""
    return out[()] if z.ndim == 0 else out


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------


def sigmoid(z, out=None):
    """Logistic sigmoid ``s(z) = 1 / (1 + exp(-z))``, computed without overflow.

    With ``e = exp(-|z|)`` (always in (0, 1]) the function is ``1 / (1 + e)`` for z >= 0 and
    ``e / (1 + e)`` for z < 0, so ``sigmoid(±1000)`` is exactly 1 and 0 with no warning.

    Parameters
    ----------
    z : array_like of any shape
        Pre-activations.
    out : ndarray of the same shape as ``z``, optional
        Where to write the result (may be ``z`` itself).

    Returns
    -------
    ndarray of the same shape as ``z`` (a NumPy float scalar for scalar input)
        Values in [0, 1].
    """
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
    """Derivative of the sigmoid with respect to its input: ``s(z) (1 - s(z))``.

    Parameters
    ----------
    z : array_like of any shape
        Pre-activations.

    Returns
    -------
    ndarray of the same shape as ``z``
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_backward(a, grad, out=None):
    """Backpropagate through a sigmoid from its output: ``grad * a (1 - a)``.

    Parameters
    ----------
    a : ndarray of shape (n, h)
        Sigmoid outputs of the forward pass.
    grad : ndarray of shape (n, h)
        Gradient of the loss with respect to ``a``.
    out : ndarray of shape (n, h), optional
        Where to write the gradient with respect to the pre-activations (may be ``grad``).

    Returns
    -------
    ndarray of shape (n, h)
    """
    local = np.subtract(1.0, a)
    np.multiply(local, a, out=local)
    return np.multiply(grad, local, out=out)


# ---------------------------------------------------------------------------------------------
# relu
# ---------------------------------------------------------------------------------------------


def relu(z, out=None):
    """Rectified linear unit ``max(z, 0)``.

    Parameters
    ----------
    z : array_like of any shape
    out : ndarray of the same shape as ``z``, optional
        Where to write the result (may be ``z`` itself).

    Returns
    -------
    ndarray of the same shape as ``z``
    """
    z = _as_float_array(z)
    return _result(np.maximum(z, 0.0, out=out), z)


def relu_derivative(z):
    """Derivative of relu: 1 where ``z > 0``, else 0 (0 at the kink, like TensorFlow).

    Parameters
    ----------
    z : array_like of any shape

    Returns
    -------
    ndarray of the same shape and float dtype as ``z``
    """
    z = _as_float_array(z)
    return _result((z > 0).astype(z.dtype), z)


def relu_backward(a, grad, out=None):
    """Backpropagate through relu from its output: ``grad * (a > 0)``.

    Parameters
    ----------
    a : ndarray of shape (n, h)
        Relu outputs of the forward pass.
    grad : ndarray of shape (n, h)
        Gradient of the loss with respect to ``a``.
    out : ndarray of shape (n, h), optional
        Where to write the result (may be ``grad``).

    Returns
    -------
    ndarray of shape (n, h)
    """
    return np.multiply(grad, a > 0, out=out)


# ---------------------------------------------------------------------------------------------
# leaky relu
# ---------------------------------------------------------------------------------------------


def leaky_relu(z, negative_slope=0.2, out=None):
    """Leaky relu ``z if z >= 0 else negative_slope * z`` (Keras 3 default slope 0.2).

    Parameters
    ----------
    z : array_like of any shape
    negative_slope : float, default 0.2
        Slope for negative inputs.
    out : ndarray of the same shape as ``z``, optional
        Where to write the result (may be ``z`` itself).

    Returns
    -------
    ndarray of the same shape as ``z``
    """
    z = _as_float_array(z)
    if 0.0 <= negative_slope <= 1.0:  # then leaky_relu(z) = max(z, s z), as tf.nn.leaky_relu
        scaled = np.multiply(z, negative_slope)
        return _result(np.maximum(z, scaled, out=out), z)
    if out is None:
        out = np.empty_like(z)
    np.copyto(out, np.where(z >= 0, z, negative_slope * z))
    return _result(out, z)


def leaky_relu_derivative(z, negative_slope=0.2):
    """Derivative of leaky relu: 1 where ``z > 0``, else ``negative_slope``.

    Parameters
    ----------
    z : array_like of any shape
    negative_slope : float, default 0.2

    Returns
    -------
    ndarray of the same shape and float dtype as ``z``
    """
    z = _as_float_array(z)
    one = np.ones((), dtype=z.dtype)
    return _result(np.where(z > 0, one, z.dtype.type(negative_slope)), z)


def leaky_relu_backward(a, grad, out=None, negative_slope=0.2):
    """Backpropagate through leaky relu from its output (``a > 0`` iff ``z > 0`` for s > 0).

    Parameters
    ----------
    a : ndarray of shape (n, h)
        Leaky-relu outputs of the forward pass.
    grad : ndarray of shape (n, h)
        Gradient of the loss with respect to ``a``.
    out : ndarray of shape (n, h), optional
        Where to write the result (may be ``grad``).
    negative_slope : float, default 0.2

    Returns
    -------
    ndarray of shape (n, h)
    """
    local = np.where(a > 0, a.dtype.type(1.0), a.dtype.type(negative_slope))
    return np.multiply(grad, local, out=out)


# ---------------------------------------------------------------------------------------------
# tanh
# ---------------------------------------------------------------------------------------------


def tanh(z, out=None):
    """Hyperbolic tangent.

    Parameters
    ----------
    z : array_like of any shape
    out : ndarray of the same shape as ``z``, optional
        Where to write the result (may be ``z`` itself).

    Returns
    -------
    ndarray of the same shape as ``z``, values in [-1, 1]
    """
    z = _as_float_array(z)
    return _result(np.tanh(z, out=out), z)


def tanh_derivative(z):
    """Derivative of tanh: ``1 - tanh(z)^2``.

    Parameters
    ----------
    z : array_like of any shape

    Returns
    -------
    ndarray of the same shape as ``z``
    """
    t = tanh(z)
    return 1.0 - t * t


def tanh_backward(a, grad, out=None):
    """Backpropagate through tanh from its output: ``grad * (1 - a^2)``.

    Parameters
    ----------
    a : ndarray of shape (n, h)
        Tanh outputs of the forward pass.
    grad : ndarray of shape (n, h)
        Gradient of the loss with respect to ``a``.
    out : ndarray of shape (n, h), optional
        Where to write the result (may be ``grad``).

    Returns
    -------
    ndarray of shape (n, h)
    """
    local = np.square(a)
    np.subtract(1.0, local, out=local)
    return np.multiply(grad, local, out=out)


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------


def softmax(x, axis=-1):
    """Softmax over ``axis`` (row-wise for a 2-D array), max-subtracted for stability.

    ``softmax(x)_ij = exp(x_ij - max_j x_ij) / sum_k exp(x_ik - max_j x_ij)``

    Parameters
    ----------
    x : array_like of shape (n, k) (any shape)
    axis : int, default -1
        The axis whose entries sum to 1.

    Returns
    -------
    ndarray of the same shape as ``x``
    """
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
    """A hidden-layer activation: its forward function and its backward helper.

    Attributes
    ----------
    name : str
        The Keras name of the activation.
    forward : callable ``forward(z, out=None) -> a``
        Elementwise activation; ``out`` may be ``z`` (in place).
    backward : callable ``backward(a, grad, out=None) -> grad_z``
        ``grad * f'(z)`` computed from the output ``a``; ``out`` may be ``grad`` (in place).
    """

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
    """Return the :class:`Activation` called ``name`` (one of ``ACTIVATIONS``).

    Raises
    ------
    ValueError
        If ``name`` is not a known activation.
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(
            f"Argument `activation` must be one of {sorted(ACTIVATIONS)}. "
            f"Received: activation={name!r}"
        )
    return ACTIVATIONS[key]
