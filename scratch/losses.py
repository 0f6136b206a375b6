"""Loss functions: binary cross-entropy (probability and logits forms) and the course's L1/L2.

Which cross-entropy Keras computes (docs/twins.md, "Keras' exact rules"): for a ``Dense(1,
sigmoid)`` head on the TensorFlow backend, Keras reuses the logits cached on the sigmoid's
output and calls ``tf.nn.sigmoid_cross_entropy_with_logits`` (no clipping), so the twin's loss is
:func:`binary_crossentropy_from_logits`. The clipped probability form
:func:`binary_crossentropy` is what Keras computes when it only gets bare probabilities.

Labels and predictions may be of shape (n,) or (n, 1); they are flattened.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "binary_crossentropy",
    "binary_crossentropy_from_logits",
    "half_sum_squares",
    "l1",
    "l2",
    "sigmoid_cross_entropy_with_logits",
]


def _pair(y_true, y_pred, names):
    """Two float 1-D arrays of equal length (ValueError otherwise)."""
    y_pred = np.asarray(y_pred)
    if not np.issubdtype(y_pred.dtype, np.floating):
        y_pred = y_pred.astype(np.float64)
    y_pred = y_pred.reshape(-1)
    y_true = np.asarray(y_true, dtype=y_pred.dtype).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Arguments `{names[0]}` and `{names[1]}` must hold the same number of values. "
            f"Received: {names[0]} of size {y_true.size}, {names[1]} of size {y_pred.size}"
        )
    return y_true, y_pred


def binary_crossentropy(y_true, y_pred, epsilon=1e-7, from_logits=False):
    """``mean(-(y log p + (1 - y) log(1 - p)))``, ``p = clip(y_pred, eps, 1 - eps)`` as Keras
    (``epsilon`` is its ``backend.epsilon()``; 0 gives the course's unclipped cost).
    ``from_logits=True`` (Keras' argument) is :func:`binary_crossentropy_from_logits`."""
    if from_logits:
        return binary_crossentropy_from_logits(y_true, y_pred)
    y, p = _pair(y_true, y_pred, ("y_true", "y_pred"))
    p = np.clip(p, epsilon, 1.0 - epsilon)
    bce = y * np.log(p)
    bce += (1.0 - y) * np.log(1.0 - p)  # as Keras (not log1p)
    return float(-np.mean(bce))


def sigmoid_cross_entropy_with_logits(y_true, logits):
    """Per-example losses (n,) ``max(z, 0) - z y + log(1 + exp(-|z|))``, TensorFlow's formula
    (no clipping), in the dtype of the logits ``z``."""
    y, z = _pair(y_true, logits, ("y_true", "logits"))
    # TensorFlow's order: (max(z, 0) - z y) first, so that it cancels exactly for y = 1.
    loss = np.maximum(z, 0.0)
    loss -= z * y
    softplus = np.abs(z)
    np.negative(softplus, out=softplus)
    np.exp(softplus, out=softplus)
    np.log1p(softplus, out=softplus)  # log(1 + exp(-|z|))
    loss += softplus
    return loss


def binary_crossentropy_from_logits(y_true, logits):
    """The mean of :func:`sigmoid_cross_entropy_with_logits`."""
    return float(np.mean(sigmoid_cross_entropy_with_logits(y_true, logits)))


def l1(yhat, y):
    """``sum |y - yhat|``, the course's ``L1`` (predictions first, as the course)."""
    y, yhat = _pair(y, yhat, ("y", "yhat"))
    return float(np.sum(np.abs(y - yhat)))


def l2(yhat, y):
    """``sum (y - yhat)^2``, the course's ``L2``."""
    y, yhat = _pair(y, yhat, ("y", "yhat"))
    d = y - yhat
    return float(np.dot(d, d))


def half_sum_squares(y, yhat):
    """``0.5 sum (y - yhat)^2`` (targets first)."""
    return 0.5 * l2(yhat, y)
