"""The Keras twins have the scratch twins' architecture, weight order and schedules."""

from __future__ import annotations

import numpy as np
import pytest

from scratch.models import build_model as build_scratch_model
from scratch.schedules import epoch_schedule as scratch_epoch_schedule
from tests.helpers import NEEDS_TENSORFLOW

# keras_models (TensorFlow) is imported in the tests, so that collecting them costs nothing
pytestmark = [pytest.mark.slow, NEEDS_TENSORFLOW]  # trains Keras models


@pytest.mark.parametrize(
    "model, hidden, shapes",
    [
        ("logreg", 100, [(784, 1), (1,)]),
        ("mlp", 100, [(784, 100), (100,), (100, 1), (1,)]),
        ("mlp", 7, [(784, 7), (7,), (7, 1), (1,)]),
    ],
)
def test_weight_order_matches_scratch(model, hidden, shapes):
    from keras_models.models import build_model

    k = build_model(model, hidden_units=hidden)
    s = build_scratch_model(model, hidden_units=hidden)
    assert [tuple(w.shape) for w in k.get_weights()] == shapes
    assert [tuple(w.shape) for w in s.get_weights()] == shapes


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
def test_forward_pass_matches_scratch(activation):
    from keras_models.models import build_model

    rng = np.random.default_rng(0)
    s = build_scratch_model("mlp", hidden_units=16, activation=activation)
    s.initialize("glorot_uniform", rng)
    k = build_model("mlp", hidden_units=16, activation=activation)
    k.set_weights(s.get_weights())
    X = rng.normal(size=(50, 784)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(k.predict_on_batch(X)).ravel(), s.predict_proba(X), atol=1e-6
    )


def test_keras_loss_is_the_logits_form_on_a_saturated_batch():
    """Keras' binary_crossentropy on a sigmoid head uses the cached logits (no 1e-7 clip)."""
    import keras

    from keras_models.models import build_model

    s = build_scratch_model("logreg")
    w = [np.full((784, 1), 0.05, np.float32), np.array([0.0], np.float32)]
    s.set_weights(w)
    k = build_model("logreg")
    k.set_weights(w)
    k.compile(optimizer="sgd", loss="binary_crossentropy")
    X = np.ones((4, 784), np.float32)  # logit 39.2: probability rounds to 1 in float32
    y = np.zeros(4, np.float32)
    keras_loss = float(k.evaluate(X, y, verbose=0))
    assert keras_loss == pytest.approx(39.2, rel=1e-5)  # the clipped form would give 15.94
    assert s.loss(X, y) == pytest.approx(keras_loss, rel=1e-6)
    assert float(keras.losses.binary_crossentropy(y, np.ones(4, np.float32))) < 16.2


@pytest.mark.parametrize("name", ["constant", "inverse_time", "staircase"])
def test_epoch_schedules_agree_step_by_step(name):
    from keras_models.optimizers import epoch_schedule

    spec = {"name": name, "learning_rate": 0.1, "steps_per_epoch": 5, "decay_rate": 0.5,
            "interval_epochs": 2}
    ks, ss = epoch_schedule(**spec), scratch_epoch_schedule(**spec)
    for step in range(0, 40, 3):
        kv = float(ks(step)) if callable(ks) else ks
        sv = float(ss(step)) if callable(ss) else ss
        assert sv == pytest.approx(kv, rel=1e-6), step
    if name == "staircase":  # lr0 / (1 + 0.5 * floor(epoch / 2)), epoch = step // 5
        assert float(ss(24)) == pytest.approx(0.1 / (1 + 0.5 * 2))


def test_build_optimizer_uses_keras_classes():
    from keras_models.optimizers import build_optimizer

    opt = build_optimizer("SGD", {"learning_rate": 0.1, "momentum": 0.9})
    assert type(opt).__name__ == "SGD" and opt.momentum == 0.9
    with pytest.raises(ValueError, match="No Keras twin"):
        build_optimizer("Adagrad", {})
