"""Training loop (Keras-way epoch metrics, divergence, shuffling) and the course's seeded split."""

import math

import numpy as np
import pytest

from scratch.logreg import LogisticRegression
from scratch.mlp import MLP
from scratch.optimizers import SGD, Adam
from scratch.splits import split_indices
from scratch.training import History, batch_slices, evaluate, fit, train_epoch


def toy(n=20, d=4, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(dtype)
    return X, y


# ----------------------------------------------------------------------------- batch_slices


def test_batch_slices():
    assert batch_slices(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert batch_slices(10, 5) == [slice(0, 5), slice(5, 10)]
    assert batch_slices(10, None) == [slice(0, 10)]
    assert batch_slices(10, "full") == [slice(0, 10)]
    assert batch_slices(10, 10) == batch_slices(10, 99) == [slice(0, 10)]
    assert batch_slices(1, 1) == [slice(0, 1)]
    with pytest.raises(ValueError, match="`batch_size` must be an integer >= 1"):
        batch_slices(10, 0)


# ----------------------------------------------------------------------------- train_epoch


def test_train_epoch_keras_way_by_hand():
    """Batch losses before each update, weighted by batch size (3 then 2)."""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5], [2.0, -1.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    w, b, lr = np.array([0.5, -0.25]), 0.1, 0.1

    def bce_and_grad(w, b, Xb, yb):
        p = 1 / (1 + np.exp(-(Xb @ w + b)))
        loss = -np.mean(yb * np.log(p) + (1 - yb) * np.log(1 - p))
        return loss, Xb.T @ (p - yb) / len(yb), np.mean(p - yb), np.sum((p > 0.5) == yb)

    loss1, dw, db, correct1 = bce_and_grad(w, b, X[:3], y[:3])
    loss2, _, _, correct2 = bce_and_grad(w - lr * dw, b - lr * db, X[3:], y[3:])
    expected_loss = (3 * loss1 + 2 * loss2) / 5
    expected_accuracy = (correct1 + correct2) / 5

    model = LogisticRegression(2, dtype=np.float64)
    model.set_weights([w[:, None], [b]])
    loss, accuracy = train_epoch(model, SGD(lr), X, y, batch_size=3)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert accuracy == pytest.approx(expected_accuracy)
    assert loss != pytest.approx((loss1 + loss2) / 2, rel=1e-6)  # not the unweighted mean
    # the model now holds the weights after both updates
    assert model.loss(X, y) != pytest.approx(loss1)


@pytest.mark.filterwarnings("error")
def test_divergence_is_flagged_and_stops():
    X, y = toy(n=64, d=8)
    model = MLP(8, (16,))
    history = fit(model, SGD(1e30), X, y, epochs=10, batch_size=8, validation_data=(X, y))
    assert history.diverged
    assert history.epochs < 10
    assert math.isnan(history.loss[-1]) and math.isnan(history.val_loss[-1])
    assert len(history.loss) == len(history.val_loss) == len(history.epoch_seconds)


def test_no_divergence_on_sane_lr():
    X, y = toy(n=64, d=8)
    history = fit(MLP(8, (16,)), Adam(0.01), X, y, epochs=20, batch_size=16)
    assert not history.diverged and history.epochs == 20
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] > 0.8


# ----------------------------------------------------------------------------- fit


def test_fit_with_orders_equals_manual_epochs():
    X, y = toy()
    orders = [np.random.default_rng(e).permutation(20) for e in range(3)]
    a, b = MLP(4, (5,)), MLP(4, (5,))
    history = fit(a, Adam(0.01), X, y, epochs=3, batch_size=6, orders=orders)
    opt = Adam(0.01)
    manual = [train_epoch(b, opt, X[o], y[o], 6) for o in orders]
    assert history.loss == [m[0] for m in manual]
    assert history.accuracy == [m[1] for m in manual]
    for p, q in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(p, q)


def test_fit_rng_is_reproducible_and_none_means_no_shuffle():
    X, y = toy()
    h1 = fit(MLP(4, (5,)), SGD(0.1), X, y, 3, 4, rng=np.random.default_rng(1))
    h2 = fit(MLP(4, (5,)), SGD(0.1), X, y, 3, 4, rng=np.random.default_rng(1))
    assert h1.loss == h2.loss
    plain = fit(MLP(4, (5,)), SGD(0.1), X, y, 1, 4)
    model = MLP(4, (5,))
    assert plain.loss == [train_epoch(model, SGD(0.1), X, y, 4)[0]]


def test_fit_records_validation_and_calls_back():
    X, y = toy()
    seen = []
    model = LogisticRegression(4)
    history = fit(
        model, SGD(0.1), X, y, epochs=2, batch_size=None, validation_data=(X[:5], y[:5, None]),
        on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))),
    )  # fmt: skip
    assert isinstance(history, History)
    assert len(history.val_loss) == len(history.val_accuracy) == 2
    assert history.val_loss[-1] == pytest.approx(model.loss(X[:5], y[:5]))
    assert all(s > 0 for s in history.epoch_seconds)
    keys = sorted(["loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"])
    assert seen == [(0, keys), (1, keys)]


def test_fit_argument_errors():
    X, y = toy()
    with pytest.raises(ValueError, match="`orders` must hold one permutation per epoch"):
        fit(MLP(4, (3,)), SGD(), X, y, epochs=3, orders=[np.arange(20)])
    with pytest.raises(ValueError, match=r"orders\[0\] must have shape \(20,\)"):
        fit(MLP(4, (3,)), SGD(), X, y, epochs=1, orders=[np.arange(19)])
    with pytest.raises(ValueError, match="`y` must hold one label per row"):
        fit(MLP(4, (3,)), SGD(), X, y[:-1], epochs=1)
    with pytest.raises(ValueError, match="`epochs`"):
        fit(MLP(4, (3,)), SGD(), X, y, epochs=-1)


def test_evaluate():
    X, y = toy(dtype=np.float64)
    model = MLP(4, (5,), dtype=np.float64)
    loss, accuracy = evaluate(model, X, y)
    assert loss == pytest.approx(model.loss(X, y))
    assert accuracy == pytest.approx(np.mean(model.predict(X) == y))


def test_epoch_metrics_match_keras_fit():
    """Keras' History for the same weights, data order and batches (last batch smaller)."""
    keras = pytest.importorskip("keras")
    X, y = toy(n=22, d=4, seed=2)
    ours = MLP(4, (3,))
    theirs = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, "relu"), keras.layers.Dense(1, "sigmoid")]
    )
    theirs.set_weights(ours.get_weights())
    theirs.compile(keras.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    keras_history = theirs.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    history = fit(ours, SGD(0.5), X, y, epochs=3, batch_size=8)
    np.testing.assert_allclose(history.loss, keras_history["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.accuracy, keras_history["accuracy"], rtol=1e-6)


# ----------------------------------------------------------------------------- splits


def test_split_indices_course_sizes_and_order():
    train, test, val = split_indices(1462)
    assert (len(train), len(test), len(val)) == (877, 292, 293)
    state = np.random.get_state()
    np.random.seed(42)
    course_perm = np.random.permutation(1462)  # what the course did
    np.random.set_state(state)
    np.testing.assert_array_equal(np.concatenate([train, test, val]), course_perm)


def test_split_indices_leaves_global_state_alone():
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    split_indices(100, seed=7)
    assert np.random.rand() == expected


def test_split_indices_sizes_and_errors():
    assert [len(p) for p in split_indices(10, 0.1, 0.2)] == [7, 1, 2]
    assert [len(p) for p in split_indices(10, 0.0, 0.0)] == [10, 0, 0]
    with pytest.raises(ValueError, match="`test_size` \\+ `validation_size` must be < 1"):
        split_indices(10, 0.5, 0.5)
    with pytest.raises(ValueError, match="`test_size` must be a float in"):
        split_indices(10, 1.5, 0.1)
