"""The course's optimisation API: parameter dicts, examples as columns.

Golden values are the seed course's ("Optimization Methods" assignment); the one-step
momentum and Adam results are recomputed here from the course's formulas in plain NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratch.course.optim import (
    backward_propagation,
    compute_cost,
    forward_propagation,
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    predict,
    predict_dec,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from scratch.gradcheck import compute_numerical_gradient, relative_error

KEYS = ("W1", "b1", "W2", "b2")


@pytest.fixture
def two_layers():
    """A 2-layer parameter dict, its gradients and non-zero moments (all float64)."""
    rng = np.random.default_rng(0)
    shapes = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}
    parameters = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = {f"d{k}": rng.normal(size=s) for k, s in shapes.items()}
    v = {f"d{k}": rng.normal(size=s) * 0.1 for k, s in shapes.items()}
    s = {f"d{k}": rng.uniform(0.0, 0.1, size=sh) for k, sh in shapes.items()}
    return parameters, grads, v, s


def _copies(d):
    return {k: a.copy() for k, a in d.items()}


def _assert_dicts_equal(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# ---------------------------------------------------------------------------------------------
# gradient descent, mini-batches
# ---------------------------------------------------------------------------------------------


def test_update_parameters_with_gd(two_layers):
    parameters, grads, _, _ = two_layers
    before = _copies(parameters)
    updated = update_parameters_with_gd(parameters, grads, 0.01)
    for k in KEYS:
        np.testing.assert_allclose(updated[k], before[k] - 0.01 * grads[f"d{k}"], rtol=1e-15)
    _assert_dicts_equal(parameters, before)  # the caller's arrays are not modified


def test_random_mini_batches_sizes_64_64_20():
    X = np.random.default_rng(1).normal(size=(5, 148))
    Y = (np.arange(148) % 2)[None, :]
    batches = random_mini_batches(X, Y, mini_batch_size=64, seed=0)
    assert [b[0].shape for b in batches] == [(5, 64), (5, 64), (5, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]


def test_random_mini_batches_is_the_course_permutation():
    X = np.arange(3 * 148, dtype=float).reshape(3, 148)
    Y = np.arange(148)[None, :]
    batches = random_mini_batches(X, Y, mini_batch_size=64, seed=10)
    np.random.seed(10)
    permutation = list(np.random.permutation(148))
    np.testing.assert_array_equal(np.hstack([b[0] for b in batches]), X[:, permutation])
    np.testing.assert_array_equal(np.hstack([b[1] for b in batches]), Y[:, permutation])
    assert permutation[:3] == [int(i) for i in batches[0][1][0, :3]]


def test_random_mini_batches_no_remainder():
    X, Y = np.zeros((2, 128)), np.zeros((1, 128))
    assert [b[0].shape[1] for b in random_mini_batches(X, Y, 64)] == [64, 64]


# ---------------------------------------------------------------------------------------------
# momentum and Adam
# ---------------------------------------------------------------------------------------------


def test_initialize_velocity_and_adam_are_zeros_shaped_like_the_parameters(two_layers):
    parameters = two_layers[0]
    v = initialize_velocity(parameters)
    v2, s = initialize_adam(parameters)
    for moments in (v, v2, s):
        assert set(moments) == {"dW1", "db1", "dW2", "db2"}
        for k in KEYS:
            assert moments[f"d{k}"].shape == parameters[k].shape
            assert not moments[f"d{k}"].any()
    assert v2["dW1"] is not s["dW1"]


def test_update_parameters_with_momentum_one_step(two_layers):
    parameters, grads, v, _ = two_layers
    before_p, before_v = _copies(parameters), _copies(v)
    beta, lr = 0.9, 0.01
    new_p, new_v = update_parameters_with_momentum(parameters, grads, v, beta, lr)
    for k in KEYS:
        expected_v = beta * before_v[f"d{k}"] + (1 - beta) * grads[f"d{k}"]
        np.testing.assert_allclose(new_v[f"d{k}"], expected_v, rtol=1e-14)
        np.testing.assert_allclose(new_p[k], before_p[k] - lr * expected_v, rtol=1e-14)
    _assert_dicts_equal(parameters, before_p)
    _assert_dicts_equal(v, before_v)


def test_update_parameters_with_momentum_from_zero_velocity(two_layers):
    parameters, grads, _, _ = two_layers
    new_p, new_v = update_parameters_with_momentum(
        parameters, grads, initialize_velocity(parameters), 0.9, 0.1
    )
    np.testing.assert_allclose(new_v["dW1"], 0.1 * grads["dW1"], rtol=1e-14)
    np.testing.assert_allclose(new_p["W1"], parameters["W1"] - 0.01 * grads["dW1"], rtol=1e-14)


@pytest.mark.parametrize("t", [1, 2, 7])
def test_update_parameters_with_adam_one_step(two_layers, t):
    parameters, grads, v, s = two_layers
    before_p, before_v, before_s = _copies(parameters), _copies(v), _copies(s)
    lr, beta1, beta2, epsilon = 0.01, 0.9, 0.999, 1e-8
    new_p, new_v, new_s, v_corr, s_corr = update_parameters_with_adam(
        parameters, grads, v, s, t, lr, beta1, beta2, epsilon
    )
    for k in KEYS:
        g = grads[f"d{k}"]
        m_exp = beta1 * before_v[f"d{k}"] + (1 - beta1) * g
        s_exp = beta2 * before_s[f"d{k}"] + (1 - beta2) * g**2
        m_hat = m_exp / (1 - beta1**t)
        s_hat = s_exp / (1 - beta2**t)
        w_exp = before_p[k] - lr * m_hat / (np.sqrt(s_hat) + epsilon)
        np.testing.assert_allclose(new_v[f"d{k}"], m_exp, rtol=1e-13)
        np.testing.assert_allclose(new_s[f"d{k}"], s_exp, rtol=1e-13)
        np.testing.assert_allclose(v_corr[f"d{k}"], m_hat, rtol=1e-13)
        np.testing.assert_allclose(s_corr[f"d{k}"], s_hat, rtol=1e-13)
        np.testing.assert_allclose(new_p[k], w_exp, rtol=1e-13)
    for original, before in ((parameters, before_p), (v, before_v), (s, before_s)):
        _assert_dicts_equal(original, before)


def test_update_parameters_with_adam_defaults_first_step_moves_by_lr(two_layers):
    parameters, grads, _, _ = two_layers
    v, s = initialize_adam(parameters)
    new_p, *_ = update_parameters_with_adam(parameters, grads, v, s, t=1)
    # from zero moments, step 1 moves every weight by lr * g / (|g| + eps) ~ 0.01 sign(g)
    step = parameters["W1"] - new_p["W1"]
    np.testing.assert_allclose(step, 0.01 * np.sign(grads["dW1"]), rtol=1e-6)


def test_update_parameters_with_adam_rejects_t_zero(two_layers):
    parameters, grads, v, s = two_layers
    with pytest.raises(ValueError, match="`t`"):
        update_parameters_with_adam(parameters, grads, v, s, t=0)


# ---------------------------------------------------------------------------------------------
# initialisation and learning-rate decay
# ---------------------------------------------------------------------------------------------


def test_initialize_parameters_is_he_with_seed_3():
    parameters = initialize_parameters([4, 5, 3, 1])
    assert list(parameters) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    np.random.seed(3)
    for l, (n_prev, n) in enumerate([(4, 5), (5, 3), (3, 1)], start=1):
        expected = np.random.randn(n, n_prev) * np.sqrt(2 / n_prev)
        np.testing.assert_array_equal(parameters[f"W{l}"], expected)
        np.testing.assert_array_equal(parameters[f"b{l}"], np.zeros((n, 1)))


def test_update_lr_course_value():
    assert update_lr(0.5, 2, 1) == pytest.approx(1 / 6, rel=1e-15)
    assert update_lr(0.5, 0, 1) == 0.5


def test_schedule_lr_decay_course_values():
    assert schedule_lr_decay(0.5, 10, 0.3, 100) == 0.5
    assert schedule_lr_decay(0.5, 100, 0.3, 100) == pytest.approx(0.3846153846153846, rel=1e-15)
    assert schedule_lr_decay(0.5, 199, 0.3, 100) == schedule_lr_decay(0.5, 100, 0.3, 100)
    assert schedule_lr_decay(0.5, 999, 1.0) == 0.5  # default time_interval=1000
    assert schedule_lr_decay(0.5, 1000, 1.0) == 0.25


# ---------------------------------------------------------------------------------------------
# the moons net: forward, backward, cost, predict
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def moons_net():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2, 12))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    parameters = initialize_parameters([2, 5, 3, 1])
    for l in (1, 2, 3):
        parameters[f"b{l}"] = rng.normal(size=parameters[f"b{l}"].shape) * 0.1
    return X, Y, parameters


def test_forward_propagation_shapes_and_values(moons_net):
    X, Y, p = moons_net
    a3, caches = forward_propagation(X, p)
    assert a3.shape == (1, 12) and len(caches) == 3
    a1 = np.maximum(p["W1"] @ X + p["b1"], 0)
    a2 = np.maximum(p["W2"] @ a1 + p["b2"], 0)
    np.testing.assert_allclose(a3, 1 / (1 + np.exp(-(p["W3"] @ a2 + p["b3"]))), rtol=1e-14)


def test_backward_propagation_passes_gradient_check(moons_net):
    X, Y, parameters = moons_net
    m = X.shape[1]
    a3, caches = forward_propagation(X, parameters)
    grads = backward_propagation(X, Y, caches)
    keys = [f"{kind}{l}" for l in (1, 2, 3) for kind in ("W", "b")]
    assert all(grads[f"d{k}"].shape == parameters[k].shape for k in keys)
    params = [parameters[k].copy() for k in keys]

    def mean_cost(arrays):  # backward gives the gradient of the MEAN cost
        return compute_cost(forward_propagation(X, dict(zip(keys, arrays, strict=True)))[0], Y) / m

    numerical = compute_numerical_gradient(mean_cost, params, eps=1e-6)
    assert relative_error([grads[f"d{k}"] for k in keys], numerical) < 1e-7


def test_compute_cost_is_summed_not_averaged():
    a3 = np.array([[0.9, 0.2, 0.6]])
    Y = np.array([[1, 0, 1]])
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.6))
    assert compute_cost(a3, Y) == pytest.approx(expected, rel=1e-14)


def test_predict_and_predict_dec(moons_net, capsys):
    X, Y, parameters = moons_net
    a3, _ = forward_propagation(X, parameters)
    decisions = predict_dec(parameters, X)
    assert decisions.dtype == bool
    np.testing.assert_array_equal(decisions, a3 > 0.5)
    p = predict(X, Y, parameters)
    np.testing.assert_array_equal(p, (a3 > 0.5).astype(int))
    assert capsys.readouterr().out == f"Accuracy: {np.mean(p[0] == Y[0])}\n"


def test_a_few_adam_epochs_on_mini_batches_lower_the_cost(moons_net):
    X, Y, parameters = moons_net
    v, s = initialize_adam(parameters)
    first = compute_cost(forward_propagation(X, parameters)[0], Y)
    t = 0
    for epoch in range(50):
        for mini_X, mini_Y in random_mini_batches(X, Y, mini_batch_size=4, seed=epoch):
            t += 1
            grads = backward_propagation(mini_X, mini_Y, forward_propagation(mini_X, parameters)[1])
            parameters, v, s, _, _ = update_parameters_with_adam(
                parameters, grads, v, s, t, learning_rate=0.01
            )
    assert compute_cost(forward_propagation(X, parameters)[0], Y) < first
