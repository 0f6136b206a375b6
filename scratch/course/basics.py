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
    """The course's first, scalar sigmoid: ``math.exp`` rejects arrays, which is the lesson
    (:func:`sigmoid` takes them)."""
    return 1.0 / (1.0 + math.exp(-x))


def image2vector(image: np.ndarray) -> np.ndarray:
    """(length, height, depth) → (length · height · depth, 1)."""
    length, height, depth = image.shape
    return image.reshape(length * height * depth, 1)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Each row of ``x`` (n, m) divided by its L2 norm, as a new array; a row of zeros gives
    NaNs, as in the course."""
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    return x / x_norm
