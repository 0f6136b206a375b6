"""The lean training step: inputs checked once per epoch, the loss and the sigmoid sharing one
exp(-|z|) (bit for bit today's functions), and Adam's update in Keras' order."""

import numpy as np
import pytest

from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy_from_logits
from scratch.mlp import MLP, _Workspace
from scratch.optimizers import SGD, Adam
from scratch.training import train_epoch


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 5, 32, 256])
def test_shared_exp_loss_and_sigmoid_equal_the_functions_bit_for_bit(dtype, n):
    rng = np.random.default_rng(n)
    z = (rng.normal(size=n) * rng.choice([1e-3, 1, 10, 100, 1000], size=n)).astype(dtype)
    z[: min(n, 3)] = [0.0, -0.0, -120.0][: min(n, 3)]
    y = (rng.random(n) > 0.5).astype(dtype)
    loss, proba = MLP._loss_and_proba(z, y, _Workspace(n, (), dtype))
    with np.errstate(all="ignore"):
        assert loss == binary_crossentropy_from_logits(y, z)
        np.testing.assert_array_equal(proba, sigmoid(z))
    assert proba.dtype == dtype


def test_loss_and_grads_returns_its_own_proba_array():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)).astype(np.float32), np.array([0, 1, 1, 0, 1, 0], np.float32)
    model = MLP(3, (4,))
    _, _, p1 = model.loss_and_grads(X, y)
    kept = p1.copy()
    model.loss_and_grads(X[::-1], y[::-1])
    np.testing.assert_array_equal(p1, kept)  # not overwritten by the next call


def test_train_epoch_gives_the_same_numbers_as_checked_steps():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    a, b = MLP(5, (7,)), MLP(5, (7,))
    opt_a, opt_b = Adam(0.01), Adam(0.01)
    loss, accuracy = train_epoch(a, opt_a, X, y, 16)
    losses, hits = [], 0
    for start in range(0, 40, 16):
        Xb, yb = X[start : start + 16], y[start : start + 16]
        batch_loss, grads, proba = b.loss_and_grads(Xb, yb)  # the public, checked step
        losses.append(batch_loss * len(yb))
        hits += int(np.sum((proba > 0.5) == yb))
        opt_b.apply_gradients(zip(grads, b.params, strict=True))
    assert loss == pytest.approx(sum(losses) / 40, rel=1e-12)
    assert accuracy == hits / 40
    for p, q in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros(8, np.float32), np.zeros(8), "`X` must be 2-D"),
        (np.zeros((8, 4), np.float32), np.zeros(8), r"`X` must have shape \(n_samples, 3\)"),
        (np.zeros((8, 3), np.float32), np.zeros(7), r"`y` must hold one label per row of X \(8\)"),
        (np.zeros((8, 3), np.float32), np.zeros(9), r"`y` must hold one label per row of X \(8\)"),
        (np.zeros((8, 3), np.float32), np.zeros((8, 2)), "`y` must hold one label per row"),
    ],
)
def test_train_epoch_rejects_bad_shapes_before_any_step(X, y, match):
    model = MLP(3, (2,))
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        train_epoch(model, SGD(0.1), X, y, 4)
    for p, q in zip(model.params, before, strict=True):
        np.testing.assert_array_equal(p, q)  # no batch was trained on


def test_train_epoch_accepts_column_labels_and_casts_to_the_model_dtype():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(12, 3)), (rng.random(12) > 0.5).astype(np.int64)
    a, b = MLP(3, (2,)), MLP(3, (2,))
    got = train_epoch(a, SGD(0.1), X, y[:, None], 5)  # float64 X, int (n, 1) y
    expected = train_epoch(b, SGD(0.1), X.astype(np.float32), y.astype(np.float32), 5)
    assert got == expected


def test_adam_step_is_keras_order_bit_for_bit():
    """``w -= (m alpha) / (sqrt(v) + eps)``, as keras/src/optimizers/adam.py, in float32."""
    rng = np.random.default_rng(3)
    shape = (50, 40)
    w, g = rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32)
    m = (rng.normal(size=shape) * 0.1).astype(np.float32)
    v = (rng.random(size=shape) * 0.01).astype(np.float32)
    t, lr = 7, 0.001
    f = np.float32
    alpha = f(lr) * np.sqrt(f(1) - f(0.999) ** f(t)) / (f(1) - f(0.9) ** f(t))
    m_new = m + (g - m) * f(1 - 0.9)
    v_new = v + (np.square(g) - v) * f(1 - 0.999)
    keras_order = w - (m_new * alpha) / (np.sqrt(v_new) + f(1e-7))
    old_order = w - m_new / (np.sqrt(v_new) + f(1e-7)) * alpha
    assert not np.array_equal(keras_order, old_order)  # the orders do round differently

    opt = Adam(lr)
    opt.build([w])
    opt.get_slot(w, "momentum")[...] = m
    opt.get_slot(w, "velocity")[...] = v
    opt.iterations = t - 1  # the step of t = 7
    opt.apply_gradients([(g, w)])
    np.testing.assert_array_equal(opt.get_slot(w, "momentum"), m_new)
    np.testing.assert_array_equal(opt.get_slot(w, "velocity"), v_new)
    np.testing.assert_array_equal(w, keras_order)
