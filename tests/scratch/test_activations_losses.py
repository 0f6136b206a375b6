"""Activations and losses: course golden values, stability, and TensorFlow/Keras twins."""

import math
import warnings

import numpy as np
import pytest

from scratch import activations as act
from scratch.activations import (
    ACTIVATIONS,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from scratch.losses import (
    binary_crossentropy,
    binary_crossentropy_from_logits,
    half_sum_squares,
    l1,
    l2,
    sigmoid_cross_entropy_with_logits,
)

# ----------------------------------------------------------------------------- course golden values


def test_sigmoid_course_values():
    # From the course notebook: sigmoid(1), sigmoid(np.array([1, 2, 3])).
    assert sigmoid(1) == pytest.approx(0.7310585786300049, abs=1e-16)
    np.testing.assert_allclose(
        sigmoid(np.array([1, 2, 3])), [0.73105858, 0.88079708, 0.95257413], atol=1e-8
    )


def test_sigmoid_derivative_course_values():
    np.testing.assert_allclose(
        sigmoid_derivative(np.array([1, 2, 3])), [0.19661193, 0.10499359, 0.04517666], atol=1e-8
    )


def test_softmax_course_values():
    x = np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    expected = [
        [9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
        [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04],
    ]
    np.testing.assert_allclose(softmax(x), expected, rtol=1e-7)


def test_l1_l2_course_values():
    yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
    y = np.array([1, 0, 0, 1, 1])
    assert l1(yhat, y) == pytest.approx(1.1)
    assert l2(yhat, y) == pytest.approx(0.43)
    assert half_sum_squares(y, yhat) == pytest.approx(0.215)


# ----------------------------------------------------------------------------- activations


@pytest.mark.filterwarnings("error")
def test_sigmoid_is_stable_at_extremes():
    z = np.array([-1000.0, -745.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = sigmoid(z)
        s32 = sigmoid(z.astype(np.float32))
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(s32))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert s[2] == pytest.approx(math.exp(-50), rel=1e-12)  # no cancellation for negative z
    assert s32.dtype == np.float32


def test_sigmoid_out_and_in_place():
    z = np.linspace(-5, 5, 11)
    expected = 1 / (1 + np.exp(-z))
    out = np.empty_like(z)
    assert sigmoid(z, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    sigmoid(z, out=z)
    np.testing.assert_allclose(z, expected, rtol=1e-15)


def test_relu_leaky_relu_tanh_values():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(relu(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(leaky_relu(z), [-0.4, -0.1, 0, 0.5, 2])  # Keras 3 slope 0.2
    np.testing.assert_allclose(leaky_relu(z, negative_slope=0.01), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(tanh(z), np.tanh(z))
    np.testing.assert_array_equal(relu_derivative(z), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(leaky_relu_derivative(z), [0.2, 0.2, 0.2, 1, 1])
    np.testing.assert_allclose(tanh_derivative(z), 1 - np.tanh(z) ** 2)


def test_activations_keep_float32():
    z = np.array([-1.0, 2.0], dtype=np.float32)
    for name, a in ACTIVATIONS.items():
        assert a.forward(z).dtype == np.float32, name


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_backward_from_output_matches_numerical_derivative(name):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 4))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the relu kinks
    a = ACTIVATIONS[name]
    grad = rng.normal(size=z.shape)
    h = 1e-6
    numerical = (a.forward(z + h) - a.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(a.backward(a.forward(z), grad), grad * numerical, rtol=1e-6)
    # in place into the upstream gradient
    out = grad.copy()
    assert a.backward(a.forward(z), out, out=out) is out
    np.testing.assert_allclose(out, grad * numerical, rtol=1e-6)


def test_activation_get_rejects_unknown_name():
    assert act.get("ReLU") is ACTIVATIONS["relu"]
    with pytest.raises(ValueError, match="activation.*'elu'"):
        act.get("elu")


def test_activations_match_keras():
    keras = pytest.importorskip("keras")
    z = np.linspace(-6, 6, 25).astype(np.float32)
    np.testing.assert_allclose(sigmoid(z), keras.activations.sigmoid(z), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(leaky_relu(z), keras.activations.leaky_relu(z), rtol=1e-6)
    np.testing.assert_allclose(tanh(z), keras.activations.tanh(z), rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- losses


def test_binary_crossentropy_hand_values():
    # -(log 0.9 + log 0.8) / 2
    assert binary_crossentropy([1, 0], [0.9, 0.2]) == pytest.approx(0.164252033486018, rel=1e-12)
    # clipping: p = 0 for y = 1 costs -log(1e-7), not inf
    assert binary_crossentropy([1], [0.0]) == pytest.approx(-math.log(1e-7), rel=1e-9)
    # (n, 1) and (n,) give the same result
    assert binary_crossentropy([[1], [0]], [[0.9], [0.2]]) == binary_crossentropy(
        [1, 0], [0.9, 0.2]
    )


def test_binary_crossentropy_from_logits_hand_values():
    assert binary_crossentropy_from_logits([1], [0.0]) == pytest.approx(math.log(2))
    # y=0, z=20: 20 + log1p(e^-20), far above the clipped probability form's -log(1e-7)
    assert binary_crossentropy_from_logits([0], [20.0]) == pytest.approx(20 + math.exp(-20))
    elementwise = sigmoid_cross_entropy_with_logits([1, 0, 1], [2.0, -1.0, -1000.0])
    np.testing.assert_allclose(
        elementwise, [math.log1p(math.exp(-2)), math.log1p(math.exp(-1)), 1000.0], rtol=1e-12
    )


def test_binary_crossentropy_from_logits_flag_matches_keras():
    keras = pytest.importorskip("keras")
    z = np.array([[20.0], [-3.0], [0.5]], np.float32)
    y = np.array([[0.0], [1.0], [1.0]], np.float32)
    expected = float(np.mean(keras.losses.binary_crossentropy(y, z, from_logits=True)))
    assert binary_crossentropy(y, z, from_logits=True) == pytest.approx(expected, rel=1e-6)
    assert binary_crossentropy(y, z, from_logits=True) == pytest.approx((20 + 3.0486 + 0.4741) / 3,
                                                                         rel=1e-4)


def test_losses_reject_size_mismatch():
    with pytest.raises(ValueError, match="`y_true` and `logits`"):
        binary_crossentropy_from_logits([1, 0], [0.1, 0.2, 0.3])


def test_logits_loss_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(1)
    z = (rng.normal(size=200) * 10).astype(np.float32)
    y = (rng.random(200) > 0.5).astype(np.float32)
    expected = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z).numpy()
    np.testing.assert_allclose(sigmoid_cross_entropy_with_logits(y, z), expected, rtol=1e-6)
    assert binary_crossentropy_from_logits(y, z) == pytest.approx(float(expected.mean()), rel=1e-6)


def test_probability_loss_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    p = rng.random(100).astype(np.float32)
    p[:3] = [0.0, 1.0, 1e-9]  # exercise the clipping
    y = (rng.random(100) > 0.5).astype(np.float32)
    expected = float(np.mean(keras.losses.binary_crossentropy(y[:, None], p[:, None])))
    assert binary_crossentropy(y, p) == pytest.approx(expected, rel=1e-5)


def test_keras_sigmoid_head_uses_the_logits_form():
    """On the TF backend Keras' BCE of a sigmoid output is computed from the logits (docs/twins.md,
    "Keras' exact rules")."""
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("logits caching is a TensorFlow-backend behaviour")
    z = np.array([[20.0], [-3.0], [0.5]], np.float32)
    y = np.array([[0.0], [1.0], [1.0]], np.float32)
    keras_loss = keras.losses.binary_crossentropy(y, keras.activations.sigmoid(z)).numpy()
    np.testing.assert_allclose(keras_loss, sigmoid_cross_entropy_with_logits(y, z), rtol=1e-6)
    assert keras_loss[0] == pytest.approx(20.0)  # the clipped form would give 15.94
