"""Course basics: sigmoid, reshaping, row normalisation, softmax and the L1/L2 losses.

The first exercises of the seed course ("Python basics with NumPy"). Every formula that
the core already has is the core's, re-exported here under the course's name:

- ``sigmoid(x)``, ``sigmoid_derivative(x)`` (of the input ``x``) and ``softmax(x)`` (row-wise)
  are :mod:`scratch.activations`' own functions;
- ``L1(yhat, y) = sum |y - yhat|`` and ``L2(yhat, y) = sum (y - yhat)^2`` are
  :func:`scratch.losses.l1` and :func:`scratch.losses.l2`.

Only the scalar ``math.exp`` sigmoid and the two reshaping helpers live in this file.
"""

from __future__ import annotations

import math

import numpy as np

from scratch.activations import sigmoid, sigmoid_derivative, softmax
from scratch.losses import l1 as L1
from scratch.losses import l2 as L2

__all__ = [
    "basic_sigmoid",
    "sigmoid",
    "sigmoid_derivative",
    "image2vector",
    "normalize_rows",
    "softmax",
    "L1",
    "L2",
]


def basic_sigmoid(x: float) -> float:
    """Sigmoid of one real number with ``math.exp`` (the course's first, scalar version).

    Parameters
    ----------
    x : float
        A scalar. Arrays are rejected by ``math.exp`` on purpose; use :func:`sigmoid`.

    Returns
    -------
    float
        ``1 / (1 + exp(-x))``.
    """
    return 1.0 / (1.0 + math.exp(-x))


def image2vector(image: np.ndarray) -> np.ndarray:
    """Unroll an image into a column vector.

    Parameters
    ----------
    image : ndarray of shape (length, height, depth)

    Returns
    -------
    ndarray of shape (length * height * depth, 1)
    """
    length, height, depth = image.shape
    return image.reshape(length * height * depth, 1)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Divide each row of ``x`` by its L2 norm, so that every row has unit length.

    Parameters
    ----------
    x : ndarray of shape (n, m)

    Returns
    -------
    ndarray of shape (n, m)
        A new array; ``x`` is left untouched. A row of zeros gives NaNs, as in the course.
    """
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    return x / x_norm
