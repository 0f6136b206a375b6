"""Optimizers: Keras' golden values, hand-computed steps, and 5-step runs against real Keras."""

import math

import numpy as np
import pytest

from scratch import optimizers
from scratch.optimizers import (
    SGD,
    Adam,
    MovingAverageMomentum,
    RMSprop,
    TextbookAdam,
    moving_average_momentum_step,
    sgd_step,
    textbook_adam_step,
)
from scratch.schedules import InverseTimeDecay

VAR = [1.0, 2.0, 3.0, 4.0]
GRAD = [1.0, 6.0, 7.0, 2.0]


def one_step(opt, dtype=np.float32):
    w = np.array(VAR, dtype=dtype)
    opt.apply_gradients([(np.array(GRAD), w)])
    return w


# ----------------------------------------------------------------------------- Keras golden values
# From keras/src/optimizers/{sgd,rmsprop,adam}_test.py (Keras 3): test_single_step and
# test_correctness_with_golden (checked there at rtol=atol=1e-4 and 5e-4 respectively).


def test_keras_single_step_goldens():
    np.testing.assert_allclose(one_step(SGD(learning_rate=0.5)), [0.5, -1.0, -0.5, 3.0], atol=1e-4)
    np.testing.assert_allclose(
        one_step(RMSprop(learning_rate=0.5)), [-0.5811, 0.4189, 1.4189, 2.4189], atol=1e-4
    )
    np.testing.assert_allclose(one_step(Adam(learning_rate=0.5)), [0.5, 1.5, 2.5, 3.5], atol=1e-4)


def run_golden(opt, dtype):
    x = np.ones(10, dtype=dtype)
    grads = np.arange(0.1, 1.1, 0.1)
    opt.apply_gradients([(np.full(10, 0.01), x)])
    seen = []
    for _ in range(5):
        seen.append(x.copy())
        opt.apply_gradients([(grads, x)])
    return np.array(seen)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keras_golden_sequences(dtype):
    sgd_golden = np.array(
        [[0.9999] * 10,
         [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
         [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
         [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
         [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]]
    )  # fmt: skip
    rmsprop_centered_golden = np.tile([[0.9967], [0.9933], [0.9908], [0.9885], [0.9864]], (1, 10))
    adam_amsgrad_golden = np.tile([[0.999], [0.9982], [0.9974], [0.9965], [0.9955]], (1, 10))
    for opt, golden in [
        (SGD(nesterov=True), sgd_golden),
        (RMSprop(centered=True), rmsprop_centered_golden),
        (Adam(amsgrad=True), adam_amsgrad_golden),
    ]:
        np.testing.assert_allclose(run_golden(opt, dtype), golden, rtol=5e-4, atol=5e-4)


# ----------------------------------------------------------------------------- hand-computed steps


def test_sgd_momentum_hand_steps():
    w, v = np.array([1.0]), np.zeros(1)
    sgd_step(w, np.array([2.0]), 0.1, v, momentum=0.9)  # v = -0.2, w = 0.8
    np.testing.assert_allclose([w[0], v[0]], [0.8, -0.2])
    sgd_step(w, np.array([2.0]), 0.1, v, momentum=0.9)  # v = 0.9 * -0.2 - 0.2 = -0.38
    np.testing.assert_allclose([w[0], v[0]], [0.42, -0.38])
    w, v = np.array([1.0]), np.zeros(1)
    sgd_step(w, np.array([2.0]), 0.1, v, momentum=0.9, nesterov=True)  # w += 0.9 v - 0.2
    np.testing.assert_allclose([w[0], v[0]], [1 + 0.9 * -0.2 - 0.2, -0.2])


def test_rmsprop_hand_step_eps_inside_root():
    w, opt = np.array([1.0]), RMSprop(0.01, rho=0.9, epsilon=0.5)
    opt.apply_gradients([(np.array([2.0]), w)])
    assert opt.get_slot(w, "velocity")[0] == pytest.approx(0.4)  # 0.1 * 2^2
    assert w[0] == pytest.approx(1 - 0.01 * 2 / math.sqrt(0.4 + 0.5))


def test_rmsprop_momentum_and_centered_hand_step():
    w, opt = np.array([1.0]), RMSprop(0.01, 0.9, momentum=0.5, epsilon=1e-7, centered=True)
    opt.build([w])
    mom, a = opt.get_slot(w, "momentum"), opt.get_slot(w, "average_gradient")
    mom[0] = 0.5
    opt.apply_gradients([(np.array([2.0]), w)])
    assert a[0] == pytest.approx(0.2)
    increment = 0.01 * 2 / math.sqrt(0.4 - 0.04 + 1e-7)
    assert mom[0] == pytest.approx(0.25 + increment)
    assert w[0] == pytest.approx(1 - 0.25 - increment)


def test_adam_hand_steps_keras_form():
    w, opt = np.array([1.0]), Adam(0.1)
    g, lr, b1, b2, eps = 2.0, 0.1, 0.9, 0.999, 1e-7
    opt.apply_gradients([(np.array([g]), w)])  # t = 1
    m, v = opt.get_slot(w, "momentum"), opt.get_slot(w, "velocity")
    m1, v1 = 0.1 * g, 0.001 * g * g
    alpha = lr * math.sqrt(1 - b2) / (1 - b1)
    assert (m[0], v[0]) == (pytest.approx(m1), pytest.approx(v1))
    assert w[0] == pytest.approx(1 - alpha * m1 / (math.sqrt(v1) + eps), rel=1e-12)
    w_before = w[0]
    opt.apply_gradients([(np.array([g]), w)])  # t = 2
    m2, v2 = m1 + (g - m1) * (1 - b1), v1 + (g * g - v1) * (1 - b2)
    alpha2 = lr * math.sqrt(1 - b2**2) / (1 - b1**2)
    assert w[0] == pytest.approx(w_before - alpha2 * m2 / (math.sqrt(v2) + eps), rel=1e-12)


def test_course_momentum_hand_steps():
    w, v = np.array([1.0]), np.zeros(1)
    moving_average_momentum_step(w, np.array([2.0]), v, 0.1, 0.9)  # v = 0.2, w = 0.98
    np.testing.assert_allclose([w[0], v[0]], [0.98, 0.2])
    moving_average_momentum_step(w, np.array([2.0]), v, 0.1, 0.9)  # v = 0.38
    np.testing.assert_allclose([w[0], v[0]], [0.98 - 0.038, 0.38])


def test_textbook_adam_hand_step_eps_outside_root():
    w, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    m_hat, v_hat = textbook_adam_step(w, np.array([2.0]), m, v, 1, 0.1, epsilon=0.5)
    np.testing.assert_allclose([m[0], v[0]], [0.2, 0.004])
    np.testing.assert_allclose([m_hat[0], v_hat[0]], [2.0, 4.0])  # bias-corrected
    assert w[0] == pytest.approx(1 - 0.1 * 2.0 / (2.0 + 0.5))


# ----------------------------------------------------------------------------- against real Keras


def keras_case(name):
    keras = pytest.importorskip("keras")
    schedule = dict(initial_learning_rate=0.05, decay_steps=2, decay_rate=0.5)
    cases = {
        "sgd": (SGD(0.1), keras.optimizers.SGD(0.1)),
        "momentum": (SGD(0.1, momentum=0.9), keras.optimizers.SGD(0.1, momentum=0.9)),
        "nesterov": (
            SGD(0.1, momentum=0.9, nesterov=True),
            keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
        ),
        "rmsprop": (RMSprop(0.01), keras.optimizers.RMSprop(0.01)),
        "rmsprop_centered_momentum": (
            RMSprop(0.01, momentum=0.5, centered=True),
            keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
        ),
        "adam": (Adam(0.01), keras.optimizers.Adam(0.01)),
        "adam_amsgrad": (Adam(0.01, amsgrad=True), keras.optimizers.Adam(0.01, amsgrad=True)),
        "adam_schedule": (
            Adam(InverseTimeDecay(**schedule)),
            keras.optimizers.Adam(keras.optimizers.schedules.InverseTimeDecay(**schedule)),
        ),
    }
    return keras, cases[name]


@pytest.mark.parametrize(
    "name",
    ["sgd", "momentum", "nesterov", "rmsprop", "rmsprop_centered_momentum", "adam",
     "adam_amsgrad", "adam_schedule"],
)  # fmt: skip
def test_five_steps_match_keras(name):
    keras, (ours, theirs) = keras_case(name)
    rng = np.random.default_rng(0)
    w0 = [rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=(2,)).astype(np.float32)]
    ours_vars = [w.copy() for w in w0]
    keras_vars = [keras.Variable(w.copy()) for w in w0]
    for _ in range(5):
        grads = [rng.normal(size=w.shape).astype(np.float32) for w in w0]
        ours.apply_gradients(zip(grads, ours_vars, strict=True))
        theirs.apply_gradients(
            zip([keras.ops.convert_to_tensor(g) for g in grads], keras_vars, strict=True)
        )
        for a, b in zip(ours_vars, keras_vars, strict=True):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-6, atol=1e-6)
    assert ours.iterations == int(np.asarray(theirs.iterations)) == 5


# ----------------------------------------------------------------------------- class behaviour


def test_iterations_slots_and_dtypes():
    opt = Adam(0.1)
    w32, w64 = np.ones(3, np.float32), np.ones((2, 2), np.float64)
    opt.build([w32])
    assert opt.get_slot(w32, "momentum").dtype == np.float32
    opt.apply_gradients([([1.0, 2.0, 3.0], w32), (np.ones((2, 2)), w64)])  # lists are fine
    assert opt.iterations == 1
    assert w32.dtype == np.float32 and w64.dtype == np.float64
    assert opt.get_slot(w64, "velocity").shape == (2, 2)
    np.testing.assert_allclose(w32, 0.9, rtol=1e-5)  # first Adam step moves by ~lr
    opt.apply_gradients([(None, w32)])  # None gradients are skipped
    assert opt.iterations == 2
    with pytest.raises(ValueError, match="does not match variable shape"):
        opt.apply_gradients([(np.ones(2), w32)])


def test_schedule_is_called_with_zero_based_iterations():
    calls = []
    opt = SGD(lambda step: calls.append(step) or 0.1)
    w = np.ones(2)
    for _ in range(3):
        opt.apply_gradients([(np.ones(2), w)])
    assert calls == [0, 1, 2]
    assert opt.current_learning_rate == 0.1 and calls[-1] == 3


def test_get_config_uses_keras_names():
    assert SGD(0.5, momentum=0.9).get_config() == {
        "name": "sgd", "learning_rate": 0.5, "momentum": 0.9, "nesterov": False,
    }  # fmt: skip
    assert set(RMSprop().get_config()) == {
        "name", "learning_rate", "rho", "momentum", "epsilon", "centered",
    }  # fmt: skip
    config = Adam(InverseTimeDecay(0.1, 10, 0.5)).get_config()
    assert config["learning_rate"]["class_name"] == "InverseTimeDecay"
    assert set(config) == {"name", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"}
    rebuilt = Adam.from_config(config)
    assert rebuilt.get_config() == config
    assert MovingAverageMomentum().get_config()["beta"] == 0.9
    assert TextbookAdam().get_config()["epsilon"] == 1e-8


def test_keras_defaults():
    keras = pytest.importorskip("keras")
    for ours, theirs in [
        (SGD(), keras.optimizers.SGD()),
        (RMSprop(), keras.optimizers.RMSprop()),
        (Adam(), keras.optimizers.Adam()),
    ]:
        keras_config = theirs.get_config()
        for key, value in ours.get_config().items():
            if key != "name":
                assert keras_config[key] == pytest.approx(value), key


def test_validation_messages():
    with pytest.raises(
        ValueError, match=r"Argument `learning_rate` must be > 0\. Received: learning_rate=-1"
    ):
        SGD(learning_rate=-1)
    with pytest.raises(ValueError, match="`learning_rate` must be > 0"):
        Adam(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="`learning_rate` should be a float"):
        Adam(learning_rate="fast")
    with pytest.raises(ValueError, match=r"`momentum` must be a float in \[0, 1\]"):
        SGD(momentum=1.5)
    with pytest.raises(ValueError, match=r"`beta_1` must be a float in \[0, 1\)"):
        Adam(beta_1=1.0)
    with pytest.raises(ValueError, match="`rho`"):
        RMSprop(rho=-0.1)
    with pytest.raises(ValueError, match="`epsilon` must be >= 0"):
        Adam(epsilon=-1e-7)
    with pytest.raises(ValueError, match="`nesterov` must be a bool"):
        SGD(nesterov="yes")


def test_get_by_name():
    assert isinstance(optimizers.get("SGD", learning_rate=0.1), SGD)
    assert isinstance(optimizers.get("rmsprop"), RMSprop)
    assert isinstance(optimizers.get("adam"), Adam)
    assert isinstance(optimizers.get("moving_average_momentum"), MovingAverageMomentum)
    assert isinstance(optimizers.get("textbook_adam"), TextbookAdam)
    momentum = optimizers.get("momentum", learning_rate=0.1)
    assert isinstance(momentum, SGD) and momentum.momentum == 0.9
    assert optimizers.get("momentum", momentum=0.5).momentum == 0.5
    opt = Adam()
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match="`optimizer` must be one of"):
        optimizers.get("adagrad")


def test_step_work_buffer_gives_same_result():
    rng = np.random.default_rng(5)
    w, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    a, b = w.copy(), w.copy()
    v1, v2 = np.zeros_like(w), np.zeros_like(w)
    sgd_step(a, g, 0.01, v1, 0.9)
    sgd_step(b, g, 0.01, v2, 0.9, work=np.empty_like(w))
    np.testing.assert_array_equal(a, b)


def test_step_functions_update_0d_arrays_in_place():
    """The course keeps scalar biases as 0-d arrays; every step must update them in place."""
    steps = [
        lambda w, g: sgd_step(w, g, 0.1),
        lambda w, g: sgd_step(w, g, 0.1, np.array(0.0), 0.9),
        lambda w, g: RMSprop(0.1).apply_gradients([(g, w)]),
        lambda w, g: Adam(0.1).apply_gradients([(g, w)]),
        lambda w, g: moving_average_momentum_step(w, g, np.array(0.0), 0.1, 0.9),
        lambda w, g: textbook_adam_step(w, g, np.array(0.0), np.array(0.0), 1, 0.1),
    ]
    expected = [0.8, 0.8, 1 - 0.1 * 2 / math.sqrt(0.4 + 1e-7), None, 0.98, 1 - 0.1 * 2 / (2 + 1e-8)]
    for step, value in zip(steps, expected, strict=True):
        w = np.array(1.0)
        step(w, np.array(2.0))
        assert w.ndim == 0 and w != 1.0
        if value is not None:
            assert float(w) == pytest.approx(value, rel=1e-12)
    with pytest.raises(ValueError, match="`velocity` is required"):
        sgd_step(np.ones(2), np.ones(2), 0.1, momentum=0.9)


def test_deepcopy_with_the_model_keeps_the_state():
    import copy

    from scratch.mlp import MLP

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), (rng.random(8) > 0.5).astype(float)
    model, opt = MLP(3, (2,), dtype=np.float64), Adam(0.1)
    for _ in range(2):
        opt.apply_gradients(zip(model.loss_and_grads(X, y)[1], model.params, strict=True))
    model2, opt2 = copy.deepcopy((model, opt))
    for m, o in ((model, opt), (model2, opt2)):
        o.apply_gradients(zip(m.loss_and_grads(X, y)[1], m.params, strict=True))
    for a, b in zip(model.params, model2.params, strict=True):
        np.testing.assert_array_equal(a, b)  # same momenta were used: not fresh slots
    assert opt2.get_slot(model2.params[0], "momentum") is not opt.get_slot(
        model.params[0], "momentum"
    )
