"""Loss functions: binary cross-entropy (probability and logits forms) and the course's L1/L2.

Which cross-entropy Keras computes (see SPEC, "Exact update rules"): for a ``Dense(1,
sigmoid)`` head on the TensorFlow backend, Keras reuses the logits cached on the sigmoid's
output and calls ``tf.nn.sigmoid_cross_entropy_with_logits`` (no clipping), so the twin's loss is
:func:`binary_crossentropy_from_logits`. The clipped probability form
:func:`binary_crossentropy` is what Keras computes when it only gets bare probabilities.

Labels ``y`` may be of shape (n,) or (n, 1); they are flattened.
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
    """Flatten two array-likes to float 1-D arrays of equal length (ValueError otherwise)."""
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
    """Mean binary cross-entropy of probabilities, clipped like Keras.

    ``p = clip(y_pred, eps, 1 - eps)``;
    ``loss = mean(-(y log p + (1 - y) log(1 - p)))``.
    With ``from_logits=True`` (Keras' argument) ``y_pred`` holds logits and the loss is
    :func:`binary_crossentropy_from_logits` (no clipping).

    Parameters
    ----------
    y_true : array_like of shape (n,) or (n, 1)
        Labels in {0, 1} (or soft labels in [0, 1]).
    y_pred : array_like of shape (n,) or (n, 1)
        Predicted probabilities of class 1.
    epsilon : float, default 1e-7
        Keras' ``backend.epsilon()``.
    from_logits : bool, default False
        Whether ``y_pred`` holds logits rather than probabilities.

    Returns
    -------
    float
    """
    if from_logits:
        return binary_crossentropy_from_logits(y_true, y_pred)
    y, p = _pair(y_true, y_pred, ("y_true", "y_pred"))
    p = np.clip(p, epsilon, 1.0 - epsilon)
    bce = y * np.log(p)
    bce += (1.0 - y) * np.log(1.0 - p)  # as Keras (not log1p)
    return float(-np.mean(bce))


def sigmoid_cross_entropy_with_logits(y_true, logits):
    """Elementwise binary cross-entropy from logits (TensorFlow's formula, no clipping).

    ``loss_i = max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|))``

    Parameters
    ----------
    y_true : array_like of shape (n,) or (n, 1)
        Labels in {0, 1} (or soft labels in [0, 1]).
    logits : array_like of shape (n,) or (n, 1)
        Pre-sigmoid outputs ``z``.

    Returns
    -------
    ndarray of shape (n,)
        Per-sample losses, in the float dtype of ``logits``.
    """
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
    """Mean binary cross-entropy from logits: ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))``.

    Parameters
    ----------
    y_true : array_like of shape (n,) or (n, 1)
        Labels in {0, 1}.
    logits : array_like of shape (n,) or (n, 1)
        Pre-sigmoid outputs ``z``.

    Returns
    -------
    float
    """
    return float(np.mean(sigmoid_cross_entropy_with_logits(y_true, logits)))


def l1(yhat, y):
    """L1 loss ``sum |y - yhat|`` (the course's ``L1``).

    Parameters
    ----------
    yhat : array_like of shape (m,)
        Predictions.
    y : array_like of shape (m,)
        Targets.

    Returns
    -------
    float
    """
    y, yhat = _pair(y, yhat, ("y", "yhat"))
    return float(np.sum(np.abs(y - yhat)))


def l2(yhat, y):
    """L2 loss ``sum (y - yhat)^2`` (the course's ``L2``).

    Parameters
    ----------
    yhat : array_like of shape (m,)
        Predictions.
    y : array_like of shape (m,)
        Targets.

    Returns
    -------
    float
    """
    y, yhat = _pair(y, yhat, ("y", "yhat"))
    d = y - yhat
    return float(np.dot(d, d))


def half_sum_squares(y, yhat):
    """Half the sum of squared errors ``0.5 sum (y - yhat)^2``.

    Parameters
    ----------
    y : array_like of shape (m,)
        Targets.
    yhat : array_like of shape (m,)
        Predictions.

    Returns
    -------
    float
    """
    return 0.5 * l2(yhat, y)
