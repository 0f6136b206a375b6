"""From-scratch NumPy twins of the kvsbench models (never imports TensorFlow or Keras).

Importable from ``scratch`` directly:

- the core modules: ``activations``, ``losses``, ``initializers``, ``optimizers``,
  ``schedules``, ``gradcheck``, ``splits``, ``mlp``, ``logreg``, ``training`` — and ``course``;
- the models and optimizers: ``MLP``, ``build_model``, ``LogisticRegression``, ``SGD``,
  ``RMSprop``, ``Adam``; gradient checking: ``compute_numerical_gradient``, ``relative_error``;
- the course API (docs/course.md, "The course API"), every name of :mod:`scratch.course`:
  ``from scratch import sigmoid, propagate, update_parameters_with_adam``.
"""

from scratch import (
    activations,
    course,
    gradcheck,
    initializers,
    logreg,
    losses,
    mlp,
    models,
    optimizers,
    schedules,
    splits,
    training,
)
from scratch.course import *  # noqa: F403  (the course API, by its names; see course.__all__)
from scratch.logreg import LogisticRegression
from scratch.mlp import MLP
from scratch.models import build_model
from scratch.optimizers import SGD, Adam, RMSprop

__all__ = [
    "activations", "course", "gradcheck", "initializers", "logreg", "losses", "mlp", "models",
    "optimizers", "schedules", "splits", "training",
    "MLP", "build_model", "LogisticRegression", "SGD", "RMSprop", "Adam",
    *course.__all__,
]
