"""Keras twin of ``scratch/logreg.py``: Input(n_features) → Dense(1, sigmoid)."""

from __future__ import annotations

from keras_models.mlp import build_mlp


def build_logreg(n_features: int = 784):
    """Logistic regression as a Keras model: one Dense(1, sigmoid) layer on the pixels.

    Weights: [kernel (n_features, 1), bias (1,)], as ``scratch.LogisticRegression``.
    """
    return build_mlp(n_features, hidden_units=(), name="logreg")
