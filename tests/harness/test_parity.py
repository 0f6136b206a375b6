"""Twin parity on the real Fashion-MNIST subset: the scratch twin computes what Keras computes.

Needs FASHION_MNIST_DIR (CI: ../shared/fashion-mnist-subset); skipped without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.harness.runner import run_experiment
from tests.helpers import NEEDS_TENSORFLOW

pytestmark = [pytest.mark.slow, NEEDS_TENSORFLOW]  # trains both twins on the real subset



@pytest.fixture(scope="module")
def course_logreg(trouser_boot, twin_pool):
    """The course's Fashion-MNIST experiment: logreg, zeros, full-batch SGD, lr 0.05, 100 epochs."""
    config = ExperimentConfig(
        model="logreg", pair="trouser:ankle-boot", optimizer="sgd", learning_rate=0.05,
        batch_size=None, epochs=100, init="zeros",
    )
    return run_experiment(config, trouser_boot, pool=twin_pool)


def test_course_logreg_losses_agree_every_epoch(course_logreg):
    s, k = course_logreg["scratch"], course_logreg["keras"]
    assert s.status == k.status == "ok"
    ls, lk = np.array(s.curves["train_loss"]), np.array(k.curves["train_loss"])
    assert ls.shape == lk.shape == (100,)
    # zeros init: the first epoch's loss is exactly log 2 on both sides
    assert ls[0] == pytest.approx(np.log(2), abs=1e-6)
    assert lk[0] == pytest.approx(np.log(2), abs=1e-6)
    np.testing.assert_allclose(ls, lk, atol=1e-4, rtol=0)
    assert s.max_loss_diff < 1e-4
    np.testing.assert_allclose(s.curves["val_loss"], k.curves["val_loss"], atol=1e-4, rtol=0)


def test_course_logreg_learns_the_easy_pair(course_logreg):
    for res in course_logreg.values():
        assert res.curves["train_loss"][-1] < res.curves["train_loss"][0] / 3


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_mlp_parity_per_optimizer(trouser_boot, twin_pool, optimizer):
    lr = {"sgd": 0.05, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.001}[optimizer]
    config = ExperimentConfig(
        model="mlp", pair="trouser:ankle-boot", optimizer=optimizer, learning_rate=lr,
        batch_size=64, epochs=3, seed=1,
    )
    res = run_experiment(config, trouser_boot, pool=twin_pool)
    s, k = res["scratch"], res["keras"]
    assert s.status == k.status == "ok"
    np.testing.assert_allclose(s.curves["train_loss"], k.curves["train_loss"], atol=1e-3, rtol=0)
    np.testing.assert_allclose(s.curves["train_acc"], k.curves["train_acc"], atol=2e-3)
    for ws, wk in zip(s.final_weights, k.final_weights):
        assert ws.shape == wk.shape
        assert np.linalg.norm(ws - wk) <= 1e-3 * max(np.linalg.norm(wk), 1e-6)
    assert s.max_weight_rel_diff < 1e-3
    assert s.pred_agreement >= 0.999
    assert abs(s.test_acc - k.test_acc) <= 1 / len(trouser_boot.y_test) + 1e-9


@pytest.mark.parametrize("schedule", ["inverse_time", "staircase"])
def test_schedules_agree(trouser_boot, twin_pool, schedule):
    config = ExperimentConfig(
        model="logreg", pair="trouser:ankle-boot", optimizer="sgd", learning_rate=0.5,
        batch_size=128, epochs=4, schedule=schedule, decay_rate=1.0, decay_interval=2,
    )
    res = run_experiment(config, trouser_boot, pool=twin_pool)
    np.testing.assert_allclose(
        res["scratch"].curves["train_loss"], res["keras"].curves["train_loss"], atol=1e-4, rtol=0
    )


def test_easy_pair_reaches_98_percent_in_both_twins(trouser_boot, twin_pool):
    config = ExperimentConfig(model="mlp", pair="trouser:ankle-boot", epochs=5, batch_size=32)
    res = run_experiment(config, trouser_boot, pool=twin_pool)
    for impl, r in res.items():
        assert r.test_acc >= 0.98, (impl, r.test_acc)
    assert res["scratch"].max_loss_diff < 1e-3
