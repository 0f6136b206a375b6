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
    """An :class:`~scratch.mlp.MLP` with no hidden layer: ``params`` is ``[W (n_features, 1),
    b (1,)]``."""

    def __init__(self, n_features=784, dtype=np.float32):
        super().__init__(n_features=n_features, hidden_units=(), activation="relu", dtype=dtype)

    @property
    def kernel(self):
        """The live ``W`` (n_features, 1)."""
        return self.params[0]

    @property
    def bias(self):
        """The live ``b`` (1,)."""
        return self.params[1]

    def get_config(self):
        return {"n_features": self.n_features, "dtype": self.dtype.name}
