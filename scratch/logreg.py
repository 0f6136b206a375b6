"""Logistic regression, the NumPy twin of ``keras_models/logreg.py``: ``Dense(1, sigmoid)``.

``p = sigmoid(X @ W + b)`` with ``X`` (n, n_features), ``W`` (n_features, 1), ``b`` (1,);
loss and gradients are those of :class:`scratch.mlp.MLP` with no hidden layer:
``dW = X^T (p - y) / n``, ``db = sum(p - y) / n``.
"""

from __future__ import annotations

import numpy as np

from scratch.mlp import MLP

__all__ = ["LogisticRegression"]


class LogisticRegression(MLP):
    """Binary logistic regression: an :class:`~scratch.mlp.MLP` with no hidden layer.

    Parameters
    ----------
    n_features : int, default 784
        Number of input features.
    dtype : float32 or float64, default float32

    Attributes
    ----------
    params : list of ndarray
        ``[W (n_features, 1), b (1,)]``, updated in place by optimizers.
    """

    def __init__(self, n_features=784, dtype=np.float32):
        super().__init__(n_features=n_features, hidden_units=(), activation="relu", dtype=dtype)

    @property
    def kernel(self):
        """The live weight array ``W`` of shape (n_features, 1)."""
        return self.params[0]

    @property
    def bias(self):
        """The live bias array ``b`` of shape (1,)."""
        return self.params[1]

    def get_config(self):
        """Constructor arguments that rebuild this model."""
        return {"n_features": self.n_features, "dtype": self.dtype.name}
