"""The paired runner on synthetic data: same start, alternating epochs, records, divergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.harness.runner import run_experiment
from benchmarks.twins.draws import epoch_orders, initial_weights
from tests.helpers import make_synthetic_pair as synthetic_pair

pytestmark = pytest.mark.slow  # runs paired experiments in worker processes


def test_initial_weights_and_orders_are_seeded():
    c = ExperimentConfig(model="mlp", hidden_units=8, seed=3, epochs=4)
    a, b = initial_weights(c), initial_weights(c)
    assert [w.dtype for w in a] == [np.float32] * 4
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    other_seed = initial_weights(ExperimentConfig(model="mlp", hidden_units=8))
    assert not np.array_equal(a[0], other_seed[0])
    assert np.all(a[1] == 0) and np.all(a[3] == 0)  # Keras default: zero biases
    orders = epoch_orders(c, 50)
    assert len(orders) == 4 and sorted(orders[0]) == list(range(50))
    assert not np.array_equal(orders[0], orders[1])
    np.testing.assert_array_equal(orders[2], epoch_orders(c, 50)[2])


def test_scratch_only_run_records_everything():
    pair = synthetic_pair()
    c = ExperimentConfig(model="mlp", hidden_units=16, optimizer="adam", learning_rate=0.001,
                         batch_size=32, epochs=5)
    res = run_experiment(c, pair, impls=("scratch",), target_acc=0.6)
    r = res["scratch"]
    assert set(res) == {"scratch"}
    assert r.status == "ok" and r.epochs_run == 5
    assert all(len(v) == 5 for v in r.curves.values())
    assert r.curves["train_loss"][-1] < r.curves["train_loss"][0]
    assert r.test_acc > 0.9
    assert r.fit_seconds == pytest.approx(sum(r.curves["epoch_seconds"]))
    assert r.first_epoch_seconds == r.curves["epoch_seconds"][0]
    assert r.samples_per_second == pytest.approx(200 * 5 / r.fit_seconds)
    assert 0 < r.time_to_target_seconds <= r.fit_seconds
    assert r.peak_traced_mb > 0
    assert math.isnan(r.max_loss_diff)  # no twin to compare with


def test_same_config_same_numbers():
    pair = synthetic_pair()
    c = ExperimentConfig(
        model="logreg", optimizer="sgd", learning_rate=0.1, batch_size=16, epochs=2
    )
    a = run_experiment(c, pair, impls=("scratch",))["scratch"]
    b = run_experiment(c, pair, impls=("scratch",))["scratch"]
    assert a.curves["train_loss"] == b.curves["train_loss"]
    assert a.test_loss == b.test_loss


def test_divergence_stops_the_run_and_is_recorded():
    pair = synthetic_pair()
    c = ExperimentConfig(model="logreg", optimizer="sgd", learning_rate=1e38, batch_size=16,
                         epochs=5)
    with np.errstate(all="ignore"):
        r = run_experiment(c, pair, impls=("scratch",))["scratch"]
    assert r.status == "diverged"
    assert r.epochs_run < 5
    assert not math.isfinite(r.curves["train_loss"][-1])
    assert math.isnan(r.test_acc)


def test_paired_run_on_synthetic_data_agrees():
    pytest.importorskip("tensorflow")
    pair = synthetic_pair()
    c = ExperimentConfig(model="mlp", hidden_units=16, optimizer="momentum", learning_rate=0.05,
                         batch_size=48, epochs=3, seed=2)
    res = run_experiment(c, pair)
    s, k = res["scratch"], res["keras"]
    np.testing.assert_allclose(s.curves["train_loss"], k.curves["train_loss"], atol=1e-5)
    np.testing.assert_allclose(s.curves["val_loss"], k.curves["val_loss"], atol=1e-5)
    # figures against the reference (keras) are on the other twin's record; none on keras'
    assert s.reference == k.reference == "keras"
    assert s.max_loss_diff < 1e-5 and math.isnan(k.max_loss_diff)
    assert s.max_weight_rel_diff < 1e-5
    assert s.pred_agreement == 1.0
    assert s.time_ratio > 0 and math.isnan(k.time_ratio)
    assert s.step_time_ratio > 0
    assert k.setup_seconds > 0 and s.setup_seconds > 0
    # each twin's peak memory is its own worker's: TensorFlow's is far larger than NumPy's
    assert 20 < s.peak_rss_mb < k.peak_rss_mb
    assert s.threads == k.threads == 1.0
    # one step's time and the fixed per-epoch cost rebuild the steady epoch time
    for r in (s, k):
        steps = c.steps_per_epoch(len(pair.X_train))
        assert r.step_seconds > 0 and r.epoch_fixed_seconds >= 0
        assert r.epoch_fixed_seconds + steps * r.step_seconds == pytest.approx(
            r.steady_epoch_seconds, rel=1e-9) or r.epoch_fixed_seconds == 0
