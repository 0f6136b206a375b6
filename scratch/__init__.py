"""From-scratch NumPy twins of the kvsbench models (never imports TensorFlow or Keras).

Importable from ``scratch`` directly, in two lists (``__all__`` is their union):

- :data:`CORE` — the core modules (``activations``, ``losses``, ``initializers``,
  ``optimizers``, ``schedules``, ``gradcheck``, ``splits``, ``mlp``, ``logreg``, ``models``,
  ``training``, and ``course``), the models (``MLP``, ``LogisticRegression``, ``build_model``)
  and Keras' optimizers (``SGD``, ``RMSprop``, ``Adam``);
- :data:`COURSE_API` — the seed course's functions by the course's names (the product spec's
  list; docs/course.md, "The course API"), each imported below from the course module that
  holds it, with that module's data convention. They are the course's, not the core's:
  ``scratch.predict`` is the course's logistic-regression ``predict(w, b, X)`` (a core model
  predicts with ``model.predict(X)``), ``scratch.model`` the course's ``model(...)`` (the core's
  models are :mod:`scratch.models`), ``scratch.sigmoid`` is :func:`scratch.activations.sigmoid`
  itself. No course name is a core name (a test holds it), so neither list hides the other.
"""
# ruff: noqa: F401  (the names below are the package's: __all__ is CORE + COURSE_API)

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

# the course API: basics, any shape (softmax row-wise)
from scratch.course.basics import (
    L1,
    L2,
    basic_sigmoid,
    image2vector,
    normalize_rows,
    sigmoid,
    sigmoid_derivative,
    softmax,
)

# Fashion-MNIST logistic regression: examples as ROWS, a bias column of ones
from scratch.course.fashion import (
    accuracy,
    bias_trick,
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    logistic_regression,
    train_test_validation_split,
)

# logistic regression: examples as COLUMNS, X (n_x, m), Y (1, m), w (n_x, 1), b float
from scratch.course.logistic import initialize_with_zeros, model, optimize, predict, propagate

# the moons net (parameter dicts, examples as COLUMNS)
from scratch.course.moons_net import (
    backward_propagation,
    compute_cost,
    forward_propagation,
    predict_dec,
)

# optimisation: parameter dicts {"W1", "b1", ...}, examples as COLUMNS
from scratch.course.optim import (
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)

# gradient checking: the core's own
from scratch.gradcheck import compute_numerical_gradient, relative_error
from scratch.logreg import LogisticRegression
from scratch.mlp import MLP
from scratch.models import build_model
from scratch.optimizers import SGD, Adam, RMSprop

#: the core: modules, models, Keras' optimizers
CORE = (
    "activations", "course", "gradcheck", "initializers", "logreg", "losses", "mlp", "models",
    "optimizers", "schedules", "splits", "training",
    "MLP", "build_model", "LogisticRegression", "SGD", "RMSprop", "Adam",
)  # fmt: skip

#: the course API by the course's names (the product spec's list, then the moons net's)
COURSE_API = (
    # basics
    "basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows",
    "softmax", "L1", "L2",
    # logistic regression, examples as columns
    "initialize_with_zeros", "propagate", "optimize", "predict", "model",
    # Fashion-MNIST logistic regression, examples as rows
    "bias_trick", "binary_cross_entropy", "binary_cross_entropy_derivative", "accuracy",
    "train_test_validation_split", "logistic_regression",
    # optimisation, parameter dicts, examples as columns
    "update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
    "initialize_parameters", "update_lr", "schedule_lr_decay",
    # gradient checking (the core's)
    "compute_numerical_gradient", "relative_error",
    # the moons net
    "forward_propagation", "backward_propagation", "compute_cost", "predict_dec",
)  # fmt: skip

__all__ = [*CORE, *COURSE_API]
