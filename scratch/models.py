"""The scratch twins by their kvsbench names: ``build_model("logreg" | "mlp", ...)``."""

from __future__ import annotations

import numpy as np

from scratch.logreg import LogisticRegression
from scratch.mlp import MLP

__all__ = ["MODELS", "build_model"]

#: the model names kvsbench knows; ``keras_models.models`` builds the same ones
MODELS = ("logreg", "mlp")


def build_model(model, n_features=784, hidden_units=100, activation="relu", dtype=np.float32):
    """Build a scratch twin by its kvsbench name.

    ``hidden_units`` (an int or a tuple, one width per hidden layer) and ``activation`` apply
    to "mlp" only; "logreg" is the MLP with no hidden layer.
    """
    if model == "logreg":
        return LogisticRegression(n_features=n_features, dtype=dtype)
    if model == "mlp":
        return MLP(n_features, hidden_units, activation, dtype)
    raise ValueError(
        f"Argument `model` must be one of {list(MODELS)}. Received: model={model!r}"
    )
