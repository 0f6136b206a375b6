"""``kvsbench check``: the conformance battery passes twins that follow Keras' rules and fails
planted mistakes — Adam's β₂ 0.999 → 0.998 and ε 1e-7 → 1e-4 (tests/twins/planted_twins.py), a
gradient off by a factor, biases never updated (tests/check/planted_check_twins.py) — each naming
the optimizer or the tensor, with exit 1 and no traceback."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.check.battery import Battery, predictions_problem, state_problem
from benchmarks.check.gradients import GRADIENT_TOLERANCE, gradient_errors
from benchmarks.cli import main
from benchmarks.config import ExperimentConfig
from benchmarks.harness import step_parity
from benchmarks.twins import registry
from benchmarks.twins.draws import initial_weights

PAIR = "pullover:coat"


# ----------------------------------------------------------------------------- no workers
def _logreg_step(factor=1.0, freeze_bias=False):
    """A logistic regression's weights before and after one SGD step at lr 1 whose gradient
    is the true one (dL/dW = Xᵀ(p − y)/n, dL/db = mean(p − y)) times ``factor``."""
    rng = np.random.default_rng(0)
    config = ExperimentConfig(model="logreg", optimizer="sgd", learning_rate=1.0)
    X = rng.random((32, 784), dtype=np.float32)
    y = (rng.random(32) < 0.5).astype(np.float32)
    W = initial_weights(config)
    z = X.astype(np.float64) @ W[0].astype(np.float64) + W[1]
    d = (1 / (1 + np.exp(-z.reshape(-1))) - y) / len(y)
    grads = [X.T.astype(np.float64) @ d[:, None], np.array([d.sum()])]
    after = [(w - factor * g).astype(np.float32) for w, g in zip(W, grads)]
    if freeze_bias:
        after[1] = W[1].copy()
    return config, W, after, X, y


def test_a_right_gradient_agrees_with_finite_differences_to_float32_round_off():
    errors = gradient_errors(*_logreg_step())
    assert len(errors) == 2 and max(errors) < 1e-5 < GRADIENT_TOLERANCE


@pytest.mark.parametrize(("factor", "expected"), [(2.0, 1.0), (1.01, 0.01), (0.5, 0.5)])
def test_a_gradient_off_by_a_factor_is_off_by_that_factor(factor, expected):
    errors = gradient_errors(*_logreg_step(factor))
    assert errors == pytest.approx([expected, expected], rel=1e-3)


def test_a_bias_never_updated_has_gradient_error_one():
    kernel, bias = gradient_errors(*_logreg_step(freeze_bias=True))
    assert kernel < 1e-5 and bias == pytest.approx(1.0)


def _state(weights, slots=("momentum", "velocity"), iterations=0):
    return {"weights": [w.copy() for w in weights],
            "slots": {s: [np.zeros_like(w) for w in weights] for s in slots},
            "iterations": iterations}


def test_state_problems_are_one_line_each():
    W = initial_weights(ExperimentConfig(model="mlp"))
    slots = ("momentum", "velocity")
    assert state_problem(_state(W), W, slots, 0) is None
    assert state_problem(_state(W, slots=("m", "v")), W, slots, 0) == \
        "Adam's slots must be named ['momentum', 'velocity']; the state has ['m', 'v']"
    float64 = _state(W)
    float64["weights"][0] = float64["weights"][0].astype(np.float64)
    assert state_problem(float64, W, slots, 0) == \
        "hidden_1/kernel is float64 (784, 100); Keras' layout is float32 (784, 100)"
    transposed = _state(W)
    transposed["weights"][0] = np.ascontiguousarray(transposed["weights"][0].T)
    assert "Keras' layout is float32 (784, 100)" in state_problem(transposed, W, slots, 0)
    assert state_problem(_state(W, iterations=1), W, slots, 0) == \
        "iterations is 1, expected 0"
    assert state_problem(_state(W, iterations=1), W, slots, 1, same_values=False) == \
        "one train_step changed no weight"
    assert state_problem({"weights": W}, W, slots, 0).startswith("get_state() must return")


def test_prediction_problems():
    ok = {"predictions": np.array([0, 1, 1], np.int8), "test_loss": 0.3, "test_acc": 0.6}
    assert predictions_problem(ok, 3) is None
    assert predictions_problem(ok, 4) == "predict() returned shape (3,); expected (4,)"
    proba = {**ok, "predictions": np.array([0.2, 0.9, 0.7])}
    assert predictions_problem(proba, 3) == "predict() must return class labels 0/1"


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("args", "message"), [
    (["no-such-twin"], "Argument `--impls` must name registered twins"),
    (["missing/file.py:Twin"], "no such file missing/file.py"),
    (["nonsense:"], "A twin must be given as MODULE:CLASS"),
    (["scratch", "--reference", "scratch"], "Argument `--reference` must be another twin"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, fresh_registry, args, message):
    assert main(["check", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_class_without_the_interface_fails_its_interface_check(tmp_path, capsys,
                                                                  fresh_registry):
    path = tmp_path / "half.py"
    path.write_text("class HalfTwin:\n    def train_epoch(self, X, y, epoch): ...\n")
    assert main(["check", f"{path}:HalfTwin", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert not out["ok"] and [c["name"] for c in out["checks"]] == ["class"]
    assert "lacks method(s) configure_threads, runtime_info, evaluate" in \
        out["checks"][0]["detail"]


# ----------------------------------------------------------------------------- planted changes
def _check_json(capsys, target, *only):
    rc = main(["check", target, "--format", "json", "--quiet", "--pair", PAIR,
               "--only", *only])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return rc, json.loads(captured.out)


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize(("target", "figure_above"), [
    ("tests.twins.planted_twins:AdamBeta2", 0.1),
    ("tests.twins.planted_twins:AdamEpsilon", 0.1),
])
def test_planted_adam_changes_fail_the_adam_step_checks(fashion_dir, capsys, fresh_registry,
                                                       monkeypatch, target, figure_above):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(fashion_dir))
    rc, out = _check_json(capsys, target, "step")
    assert rc == 1 and not out["ok"]
    adam = [c for c in out["checks"] if c["name"].startswith("adam ")]
    assert len(adam) == 4 and not any(c["ok"] for c in adam)
    for c in adam:
        assert c["figure"] > figure_above
        assert c["tolerance"] == step_parity.STEP_PARITY_TOLERANCE
        assert c["detail"].startswith("adam: ") and "differs by" in c["detail"]


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize(("target", "tensor"), [
    ("tests.check.planted_check_twins:GradientTimesTwo", "hidden_1/kernel"),
    ("tests.check.planted_check_twins:NoBiasUpdate", "hidden_1/bias"),
])
def test_planted_gradient_and_bias_mistakes_fail(fashion_dir, capsys, fresh_registry,
                                                 monkeypatch, target, tensor):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(fashion_dir))
    rc, out = _check_json(capsys, target, "gradient", "step")
    assert rc == 1
    checks = {c["name"]: c for c in out["checks"]}
    grad = checks["mlp vs float64 finite differences"]
    assert not grad["ok"] and grad["figure"] == pytest.approx(1.0, rel=1e-3)
    assert grad["detail"].startswith(f"{tensor}: its gradient differs from finite "
                                     "differences by 1 ")
    steps = [c for c in out["checks"] if c["group"] == "step"]
    assert len(steps) == 16 and not any(c["ok"] for c in steps)
    sgd = checks["sgd mlp batch 32 inverse_time"]
    assert sgd["detail"].startswith(f"sgd: {tensor} differs by ")


# ----------------------------------------------------------------------------- correct twins
KERAS_RULE_TWINS = ("scratch-numba", "keras", "keras-xla", "keras-jax", "keras-torch")


def _installed(name):
    why = registry.TWINS[name].missing()
    return pytest.param(name, marks=pytest.mark.skipif(why is not None, reason=str(why)))


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("twin", [_installed(n) for n in KERAS_RULE_TWINS])
def test_built_in_twins_that_follow_keras_rules_pass(fashion_dir, twin):
    """Interface, both gradients and a step of each optimizer (one model and batch each; the
    whole battery of every twin would take minutes here), against the scratch twin."""
    from benchmarks.data import load_pair, parse_pair
    from benchmarks.harness.worker import TwinPool

    pair = load_pair(*parse_pair(PAIR), protocol="seed", data_dir=fashion_dir, seed=42)
    with TwinPool((twin, "scratch"), threads=1) as pool:
        battery = Battery(twin, ("scratch", "scratch"), pair, "pullover-vs-coat", "seed", pool)
        battery.run(groups=("interface", "gradient"))
        for optimizer, model, batch in (("adam", "mlp", 32), ("rmsprop", "logreg", None),
                                        ("momentum", "mlp", None), ("sgd", "logreg", 32)):
            battery.step(optimizer, model, batch)
    failed = [f"{c.group} {c.name}: {c.detail}" for c in battery.checks if not c.ok]
    assert not failed
    assert len(battery.checks) == 9


@pytest.mark.slow
@pytest.mark.data
def test_the_scratch_twin_passes_the_whole_default_battery(fashion_dir, capsys, monkeypatch,
                                                          fresh_registry):
    """The default battery end to end: the scratch twin's steps against Keras' own."""
    monkeypatch.setenv("FASHION_MNIST_DIR", str(fashion_dir))
    assert main(["check", "scratch", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "23 of 23 checks pass" in out and "(steps against keras, run with keras)" in out


def test_a_twin_without_state_methods_runs_but_fails_its_check(tmp_path, capsys,
                                                                fresh_registry):
    path = tmp_path / "stateless.py"
    path.write_text("from benchmarks.twins.scratch_numpy import ScratchTwin\n"
                    "class StatelessTwin(ScratchTwin):\n"
                    "    get_state = set_state = None\n")
    name = registry.register(f"{path}:StatelessTwin")
    assert registry.TWINS[name].broken is None  # it trains: a run takes it
    assert main(["check", f"{path}:StatelessTwin", "--format", "json"]) == 1
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert [(c["name"], c["ok"]) for c in checks] == [("class", True), ("state methods", False)]
    assert checks[1]["detail"].startswith("stateless lacks get_state, set_state: step parity")
