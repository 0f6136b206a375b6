"""From-scratch NumPy twins of the kvsbench models (never imports TensorFlow or Keras).

Everything below is importable from ``scratch`` directly, loaded on first use (PEP 562), so
``import scratch`` is cheap and one module's import never drags in the others:

- the core modules: ``activations``, ``losses``, ``initializers``, ``optimizers``,
  ``schedules``, ``gradcheck``, ``splits``, ``mlp``, ``logreg``, ``training`` — and ``course``;
- the models and optimizers: ``MLP``, ``build_model``, ``LogisticRegression``, ``SGD``,
  ``RMSprop``, ``Adam``; gradient checking: ``compute_numerical_gradient``, ``relative_error``;
- the course API (SPEC, "The course API"), from :mod:`scratch.course`:
  ``from scratch import sigmoid, propagate, update_parameters_with_adam``.
"""

from __future__ import annotations

import importlib

_SUBMODULES = (
    "activations",
    "course",
    "gradcheck",
    "initializers",
    "logreg",
    "losses",
    "mlp",
    "optimizers",
    "schedules",
    "splits",
    "training",
)

_CORE_EXPORTS = {
    "MLP": "scratch.mlp",
    "build_model": "scratch.mlp",
    "LogisticRegression": "scratch.logreg",
    "SGD": "scratch.optimizers",
    "RMSprop": "scratch.optimizers",
    "Adam": "scratch.optimizers",
    "compute_numerical_gradient": "scratch.gradcheck",
    "relative_error": "scratch.gradcheck",
}

_COURSE_EXPORTS = (
    # basics
    "basic_sigmoid",
    "sigmoid",
    "sigmoid_derivative",
    "image2vector",
    "normalize_rows",
    "softmax",
    "L1",
    "L2",
    # logistic regression, examples as columns
    "initialize_with_zeros",
    "propagate",
    "optimize",
    "predict",
    "model",
    # Fashion-MNIST logistic regression, examples as rows
    "bias_trick",
    "binary_cross_entropy",
    "binary_cross_entropy_derivative",
    "accuracy",
    "train_test_validation_split",
    "logistic_regression",
    # optimisation, parameter dicts, examples as columns
    "update_parameters_with_gd",
    "random_mini_batches",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
    "initialize_parameters",
    "update_lr",
    "schedule_lr_decay",
    "forward_propagation",
    "backward_propagation",
    "compute_cost",
    "predict_dec",
)

_EXPORTS = {**_CORE_EXPORTS, **dict.fromkeys(_COURSE_EXPORTS, "scratch.course")}

__all__ = [*_SUBMODULES, *_EXPORTS]


def __getattr__(name: str):
    """Import a submodule or an exported name on first access, then cache it."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
