"""The Keras twins by their kvsbench names; mirrors ``scratch.models.build_model``."""

from __future__ import annotations

from keras_models.logreg import build_logreg
from keras_models.mlp import build_mlp

MODELS = ("logreg", "mlp")


def build_model(model: str, n_features: int = 784, hidden_units=100, activation: str = "relu"):
    """Build (uncompiled) the Keras twin named ``model`` ("logreg" or "mlp")."""
    if model == "logreg":
        return build_logreg(n_features)
    if model == "mlp":
        return build_mlp(n_features, hidden_units, activation)
    raise ValueError(f"Argument `model` must be one of {list(MODELS)}. Received: model={model!r}")
