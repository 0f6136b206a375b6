"""MLP and LogisticRegression: shapes, weights API, predictions, and the Keras twin."""

import numpy as np
import pytest

from scratch.logreg import LogisticRegression
from scratch.mlp import MLP
from scratch.models import build_model


def data(n=8, d=5, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = (rng.random(n) > 0.5).astype(dtype)
    return X, y


def test_params_are_in_keras_layer_order():
    m = MLP()
    assert [p.shape for p in m.params] == [(784, 100), (100,), (100, 1), (1,)]
    assert all(p.dtype == np.float32 for p in m.params)
    m2 = MLP(10, (6, 3), "tanh", dtype=np.float64)
    assert [p.shape for p in m2.params] == [(10, 6), (6,), (6, 3), (3,), (3, 1), (1,)]
    assert all(p.dtype == np.float64 for p in m2.params)
    assert m2.count_params() == 10 * 6 + 6 + 6 * 3 + 3 + 3 + 1


def test_default_initialization_is_keras_defaults():
    m = MLP()
    limit = np.sqrt(6 / (784 + 100))
    assert np.abs(m.params[0]).max() <= limit and m.params[0].std() > 0
    assert not m.params[1].any() and not m.params[3].any()  # zero biases
    same = MLP().initialize(rng=np.random.default_rng(0))
    for a, b in zip(m.params, same.params, strict=True):
        np.testing.assert_array_equal(a, b)
    other = MLP().initialize("he_normal", np.random.default_rng(1))
    assert not np.array_equal(other.params[0], m.params[0])
    assert not MLP().initialize("zeros").params[0].any()


def test_forward_shapes_and_predictions():
    X, y = data()
    m = MLP(5, (4,))
    z, p, labels = m.logits(X), m.predict_proba(X), m.predict(X)
    assert z.shape == p.shape == labels.shape == (8,)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z.astype(np.float64))), rtol=1e-6)
    np.testing.assert_array_equal(labels, (p > 0.5).astype(int))
    assert set(np.unique(labels)) <= {0, 1}


def test_predict_threshold_is_strictly_greater_than_half():
    m = LogisticRegression(n_features=2)
    m.set_weights([np.zeros((2, 1)), np.zeros(1)])  # proba exactly 0.5
    np.testing.assert_array_equal(m.predict(np.ones((3, 2))), [0, 0, 0])


def test_logistic_regression_is_mlp_without_hidden_layer():
    m = LogisticRegression(n_features=3, dtype=np.float64)
    assert isinstance(m, MLP) and m.hidden_units == ()
    assert [p.shape for p in m.params] == [(3, 1), (1,)]
    W, b = np.array([[1.0], [-2.0], [0.5]]), np.array([0.25])
    m.set_weights([W, b])
    X = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(m.logits(X), [1 - 4 + 1.5 + 0.25, 0.25])
    assert m.kernel is m.params[0] and m.bias is m.params[1]
    assert m.get_config() == {"n_features": 3, "dtype": "float64"}


def test_get_set_weights_round_trip_in_place():
    m = MLP(5, (4,))
    live = list(m.params)
    saved = m.get_weights()
    assert all(s is not p for s, p in zip(saved, m.params, strict=True))
    m.initialize("he_normal", np.random.default_rng(3))
    m.set_weights(saved)
    assert all(a is b for a, b in zip(m.params, live, strict=True))  # same arrays, new values
    for a, b in zip(m.params, saved, strict=True):
        np.testing.assert_array_equal(a, b)
    m.set_weights([w.astype(np.float64) for w in saved])  # cast to the model's dtype
    assert m.params[0].dtype == np.float32


def test_set_weights_errors_name_the_problem():
    m = MLP(5, (4,))
    w = m.get_weights()
    with pytest.raises(ValueError, match="must hold 4 arrays.*Received: 3"):
        m.set_weights(w[:3])
    bad = list(w)
    bad[2] = np.zeros((5, 1))
    with pytest.raises(ValueError, match=r"weights\[2\] must have shape \(4, 1\)"):
        m.set_weights(bad)
    np.testing.assert_array_equal(m.params[0], w[0])  # nothing was written


def test_loss_is_logits_bce_and_loss_and_grads_agrees():
    X, y = data(dtype=np.float64)
    m = MLP(5, (4,), dtype=np.float64)
    z = m.logits(X)
    expected = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    assert m.loss(X, y) == pytest.approx(expected, rel=1e-12)
    loss, grads, proba = m.loss_and_grads(X, y[:, None])  # (n, 1) labels are flattened
    assert loss == pytest.approx(expected, rel=1e-12)
    assert [g.shape for g in grads] == [p.shape for p in m.params]
    np.testing.assert_allclose(proba, m.predict_proba(X), rtol=1e-12)


def test_logreg_gradient_closed_form():
    X, y = data(n=6, d=3, dtype=np.float64)
    m = LogisticRegression(3, dtype=np.float64).initialize(
        "glorot_normal", np.random.default_rng(1)
    )
    _, (dW, db), p = m.loss_and_grads(X, y)
    np.testing.assert_allclose(dW[:, 0], X.T @ (p - y) / 6, rtol=1e-12)
    np.testing.assert_allclose(db, [np.mean(p - y)], rtol=1e-12)


def test_grad_buffers_are_reused_and_batch_sizes_mix():
    X, y = data(n=10)
    m = MLP(5, (4,))
    _, g1, _ = m.loss_and_grads(X[:7], y[:7])
    first = [g.copy() for g in g1]
    _, g2, _ = m.loss_and_grads(X[7:], y[7:])  # a smaller last batch
    assert all(
        a is b for a, b in zip(g1, g2, strict=True)
    )  # documented: overwritten by the next call
    _, g3, _ = m.loss_and_grads(X[:7], y[:7])
    for a, b in zip(first, g3, strict=True):
        np.testing.assert_array_equal(a, b)


def test_input_validation():
    m = MLP(5, (4,))
    with pytest.raises(ValueError, match=r"`X` must have shape \(n_samples, 5\)"):
        m.logits(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="`y` must hold one label per row"):
        m.loss(np.zeros((3, 5)), [0, 1])
    with pytest.raises(ValueError, match="`activation` must be one of"):
        MLP(activation="softplus")
    with pytest.raises(ValueError, match="`hidden_units`"):
        MLP(hidden_units=(10, 0))
    with pytest.raises(ValueError, match="`dtype` must be float32 or float64"):
        MLP(dtype=np.int32)
    with pytest.raises(ValueError, match="`n_features`"):
        MLP(n_features=0)


def test_build_model_and_config():
    logreg = build_model("logreg", n_features=20)
    assert type(logreg) is LogisticRegression and logreg.params[0].shape == (20, 1)
    mlp = build_model("mlp", n_features=20, hidden_units=7, activation="tanh", dtype=np.float64)
    assert mlp.hidden_units == (7,) and mlp.activation == "tanh" and mlp.dtype == np.float64
    assert build_model("mlp", hidden_units=(8, 4)).hidden_units == (8, 4)
    config = mlp.get_config()
    assert config == {
        "n_features": 20,
        "hidden_units": (7,),
        "activation": "tanh",
        "dtype": "float64",
    }
    assert MLP.from_config(config).get_config() == config
    assert LogisticRegression.from_config(logreg.get_config()).get_config() == logreg.get_config()
    with pytest.raises(ValueError, match=r"`model` must be one of \['logreg', 'mlp'\]"):
        build_model("cnn")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
def test_twin_of_keras_dense_model(activation):
    """Same weights in a Keras Sequential: same logits, probabilities, loss and gradients."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    X, y = data(n=16, d=6, seed=3)
    ours = MLP(6, (5,), activation).initialize("glorot_normal", np.random.default_rng(4))
    ours.params[1][:] = np.linspace(-0.3, 0.3, 5)  # non-zero biases
    ours.params[3][:] = 0.1
    theirs = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation=activation),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    theirs.set_weights(ours.get_weights())
    with tf.GradientTape() as tape:
        p = theirs(X)
        loss = keras.losses.BinaryCrossentropy()(y[:, None], p)
    keras_grads = tape.gradient(loss, theirs.trainable_variables)

    our_loss, our_grads, our_p = ours.loss_and_grads(X, y)
    np.testing.assert_allclose(our_p, p.numpy()[:, 0], rtol=1e-5, atol=1e-7)
    assert our_loss == pytest.approx(float(loss), rel=1e-5)
    for g_ours, g_keras in zip(our_grads, keras_grads, strict=True):
        np.testing.assert_allclose(g_ours, g_keras.numpy(), rtol=1e-4, atol=1e-6)
