"""The course API's basics, and the re-exports of ``scratch``'s top level.

Golden values are the seed course's ("Python basics with NumPy" assignment), as literals.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import scratch
from scratch import activations, losses
from scratch.course import basics

# Every name of the course API (docs/course.md, "The course API"), in its order.
COURSE_API_NAMES = [
    "basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows",
    "softmax", "L1", "L2",
    "initialize_with_zeros", "propagate", "optimize", "predict", "model",
    "bias_trick", "binary_cross_entropy", "binary_cross_entropy_derivative", "accuracy",
    "train_test_validation_split", "logistic_regression",
    "update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
    "initialize_parameters", "update_lr", "schedule_lr_decay",
    "compute_numerical_gradient", "relative_error",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# top-level re-exports
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COURSE_API_NAMES)
def test_every_spec_course_name_imports_from_scratch(name):
    namespace = {}
    exec(f"from scratch import {name}", namespace)
    assert callable(namespace[name])


def test_every_name_in_scratch_all_resolves():
    for name in scratch.__all__:
        assert getattr(scratch, name) is not None, name


def test_course_names_are_an_explicit_list_that_hides_no_core_name():
    assert set(COURSE_API_NAMES) <= set(scratch.COURSE_API)
    assert set(scratch.CORE).isdisjoint(scratch.COURSE_API)
    assert len(scratch.__all__) == len(set(scratch.__all__)) == len(scratch.CORE) + len(
        scratch.COURSE_API)
    for name in scratch.CORE:  # a core module is the module, not a course function
        value = getattr(scratch, name)
        assert getattr(value, "__module__", value.__name__).startswith(f"scratch.{name}") or \
            not value.__name__.startswith("scratch."), name
    assert not hasattr(importlib.import_module("scratch.course"), "propagate")  # no re-exports


def test_star_import_gives_the_course_api():
    namespace = {}
    exec("from scratch import *", namespace)
    assert set(COURSE_API_NAMES) <= set(namespace)


def test_core_names_and_modules_are_reexported():
    from scratch import (  # noqa: F401
        MLP,
        SGD,
        Adam,
        LogisticRegression,
        RMSprop,
        build_model,
        compute_numerical_gradient,
        relative_error,
    )

    for module in ("activations", "losses", "optimizers", "schedules", "gradcheck", "splits",
                   "initializers", "mlp", "logreg", "course"):  # fmt: skip
        assert getattr(scratch, module) is importlib.import_module(f"scratch.{module}")
    assert scratch.Adam is scratch.optimizers.Adam
    assert scratch.MLP is scratch.mlp.MLP


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        scratch.no_such_thing  # noqa: B018


def test_top_level_predict_is_the_logistic_one():
    from scratch.course import logistic

    assert scratch.predict is logistic.predict


def test_course_wraps_the_core_instead_of_repeating_it():
    assert basics.sigmoid is activations.sigmoid
    assert basics.sigmoid_derivative is activations.sigmoid_derivative
    assert basics.softmax is activations.softmax
    assert basics.L1 is losses.l1
    assert basics.L2 is losses.l2
    assert scratch.sigmoid is activations.sigmoid


# ---------------------------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------------------------


def test_basic_sigmoid_course_value():
    assert basics.basic_sigmoid(1) == pytest.approx(0.7310585786300049, abs=1e-15)
    assert basics.basic_sigmoid(0) == 0.5
    assert isinstance(basics.basic_sigmoid(3.0), float)


def test_basic_sigmoid_rejects_arrays_as_the_course_shows():
    with pytest.raises(TypeError):
        basics.basic_sigmoid(np.array([1.0, 2.0, 3.0]))


def test_sigmoid_course_values():
    assert basics.sigmoid(1) == pytest.approx(0.7310585786300049, abs=1e-15)
    np.testing.assert_allclose(
        basics.sigmoid(np.array([1, 2, 3])), [0.73105858, 0.88079708, 0.95257413], rtol=1e-8
    )


def test_sigmoid_derivative_course_values():
    np.testing.assert_allclose(
        basics.sigmoid_derivative(np.array([1, 2, 3])),
        [0.19661193, 0.10499359, 0.04517666],
        rtol=1e-7,
    )


def test_sigmoid_derivative_matches_central_differences():
    x = np.linspace(-5, 5, 11)
    numerical = (basics.sigmoid(x + 1e-6) - basics.sigmoid(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(basics.sigmoid_derivative(x), numerical, rtol=1e-7, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# reshaping and normalisation
# ---------------------------------------------------------------------------------------------


def test_image2vector_shape_and_order():
    image = np.arange(18, dtype=float).reshape(3, 3, 2) / 17
    vector = basics.image2vector(image)
    assert vector.shape == (18, 1)
    np.testing.assert_array_equal(vector[:, 0], image.ravel())  # C order, as reshape


def test_image2vector_course_example_shape():
    image = np.array(
        [
            [[0.67826139, 0.29380381], [0.90714982, 0.52835647], [0.4215251, 0.45017551]],
            [[0.92814219, 0.96677647], [0.85304703, 0.52351845], [0.19981397, 0.27417313]],
            [[0.60659855, 0.00533165], [0.10820313, 0.49978937], [0.34144279, 0.94630077]],
        ]
    )
    vector = basics.image2vector(image)
    assert vector.shape == (18, 1)
    assert vector[0, 0] == 0.67826139 and vector[1, 0] == 0.29380381
    assert vector[-1, 0] == 0.94630077


def test_normalize_rows_course_values():
    x = np.array([[0, 3, 4], [1, 6, 4]])
    expected = [[0.0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]]
    result = basics.normalize_rows(x)
    np.testing.assert_allclose(result, expected, rtol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(result, axis=1), 1.0)
    np.testing.assert_array_equal(x, [[0, 3, 4], [1, 6, 4]])  # input untouched


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------


def test_softmax_course_values():
    x = np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    result = basics.softmax(x)
    np.testing.assert_allclose(
        result[0],
        [9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        result[1],
        [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04],
        rtol=1e-8,
    )
    np.testing.assert_allclose(result.sum(axis=1), 1.0)


# ---------------------------------------------------------------------------------------------
# L1 and L2
# ---------------------------------------------------------------------------------------------


def test_L1_L2_course_values():
    yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
    y = np.array([1, 0, 0, 1, 1])
    assert basics.L1(yhat, y) == pytest.approx(1.1, abs=1e-12)
    assert basics.L2(yhat, y) == pytest.approx(0.43, abs=1e-12)


def test_L1_L2_are_sums_not_means():
    yhat, y = np.zeros(4), np.full(4, 0.5)
    assert basics.L1(yhat, y) == 2.0
    assert basics.L2(yhat, y) == 1.0
    assert math.isclose(basics.L2(y, yhat), basics.L2(yhat, y))
