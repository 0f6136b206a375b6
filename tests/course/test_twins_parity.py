"""The course's twins (blobs, moons) are judged by the harness' one parity definition: step
parity (benchmarks/harness/step_parity.py) on the course's own batches, and the runner's
free-running loss gap (benchmarks/harness/runner.py), not a formula of the course's own."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.harness.runner import loss_gap
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE, StepParity, check_epoch
from benchmarks.twins.scratch_numpy import ScratchTwin


class _InProcessWorker:
    """A worker's ``state`` and ``probe`` commands over a twin in this process; remembers the
    batches it was probed on."""

    def __init__(self, twin):
        self.twin, self.probed = twin, []

    def call(self, command, **kw):
        if command == "state":
            return self.twin.get_state()
        assert command == "probe" and "X" in kw, "probed by epoch/index, not the caller's batch"
        own = self.twin.get_state()
        self.twin.set_state(kw["state"])
        self.twin.train_step(kw["X"], kw["y"])
        after = self.twin.get_state()
        self.twin.set_state(own)
        self.probed.append(np.array(kw["X"]))
        return after


def _twins(beta_2_of_c: float):
    from scratch.optimizers import Adam

    config = ExperimentConfig(model="mlp", optimizer="adam", learning_rate=0.01, batch_size=5,
                              epochs=1, hidden_units=4)
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 4)).astype(np.float32), np.zeros(4, np.float32),
               rng.normal(size=(4, 1)).astype(np.float32), np.zeros(1, np.float32)]
    twins = {name: ScratchTwin(config, weights, 20) for name in "abc"}
    twins["c"].optimizer = Adam(0.01, beta_2=beta_2_of_c)  # a planted rule change
    return config, {n: _InProcessWorker(t) for n, t in twins.items()}


def test_step_parity_on_the_callers_batches_passes_the_same_rule_and_fails_another():
    config, workers = _twins(beta_2_of_c=0.998)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 3)).astype(np.float32)
    y = (rng.random(20) > 0.5).astype(np.float32)
    order = rng.permutation(20)
    batches = [(X[order[i:i + 5]], y[order[i:i + 5]]) for i in range(0, 20, 5)]
    parities = {"b": StepParity(), "c": StepParity()}
    check_epoch(workers, "a", 0, [0, 2], 4, parities, batches=batches)
    assert parities["b"].value < STEP_PARITY_TOLERANCE / 10  # the same rule: round-off
    assert parities["c"].value > 10 * STEP_PARITY_TOLERANCE  # Adam's β₂ 0.998 instead of 0.999
    # every probe ran on the course's batch at the sampled index (batch 1 only to advance the
    # reference from step 0 to step 2)
    np.testing.assert_array_equal(workers["b"].probed[0], batches[0][0])
    np.testing.assert_array_equal(workers["b"].probed[1], batches[2][0])
    assert len(workers["a"].probed) == 4  # step 0, its check, the advance over 0..1, step 2


@pytest.mark.slow
def test_the_moons_twins_carry_the_harness_figures_and_a_planted_twin_fails(monkeypatch):
    from benchmarks.course import moons_experiment as moons
    from benchmarks.course.twins import train_in_workers
    from benchmarks.twins import registry
    from scratch.course.optim import initialize_parameters
    from tests.twins.planted_twins import PLANTED

    entry = next(e for e, _, _ in PLANTED if e.name == "planted-AdamBeta2")
    monkeypatch.setitem(registry.TWINS, entry.name, entry)
    X, Y = moons.load_moons()
    weights = moons.keras_weights(initialize_parameters(list(moons.LAYER_DIMS)))
    rows = np.ascontiguousarray(X.T, np.float32)
    labels = Y.reshape(-1).astype(np.float32)
    config = moons.twin_config(moons.TwinSetup("adam", 0.01), 2)
    orders = [moons.epoch_order(X.shape[1], e) for e in range(2)]
    out = train_in_workers(config, weights, rows, labels, rows, labels, orders,
                           impls=("scratch", "keras", entry.name))
    good, bad, ref = out["scratch"], out[entry.name], out["keras"]
    assert "step_parity" not in ref  # the reference is not judged against itself
    assert good["step_parity"] < STEP_PARITY_TOLERANCE / 10
    assert bad["step_parity"] > 10 * STEP_PARITY_TOLERANCE and bad["step_parity_tensor"]
    # the free-running figure is the runner's loss gap, largest over the epochs
    assert good["max_loss_diff"] == pytest.approx(
        float(np.nanmax(loss_gap(good["train_loss"], ref["train_loss"]))), rel=0, abs=0)
    assert good["max_loss_diff"] < 1e-5
