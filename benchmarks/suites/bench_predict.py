"""Prediction over the test split, every installed twin, on Pullover vs Coat.

Timed, in the twin's worker process: one call of the twin's ``predict`` on the whole test split
as one batch, giving 0/1 labels (scratch ``model.predict``; Keras the model called on the batch,
then ``> 0.5``), with the weights the fixed training budget ended with. Warm-up calls first
(Keras traces there). Groups ``predict-<model>``.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.suites import common

ROUNDS = 50
ITERATIONS = 1
WARMUP_ROUNDS = 5


@pytest.mark.parametrize(("model", "batch_size"), common.cases("predict", per_batch_size=False))
@pytest.mark.parametrize("impl", common.IMPLS)
def test_predict(benchmark, pair, workers, impl, model, batch_size):
    X, y = pair.X_test, pair.y_test
    worker = common.trained_worker(workers, impl, model, batch_size, pair)
    common.describe(benchmark, workers, impl, model, batch_size, len(X),
                    "predict the test split", worker)
    rounds = common.Rounds(worker, "time_predict")
    benchmark.pedantic(rounds, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=WARMUP_ROUNDS)
    labels = worker.call("time_predict", labels=True)["labels"]
    # the labels timed are the ones the recorded accuracy was measured on (Keras: float32)
    assert np.mean(labels == y) == pytest.approx(benchmark.extra_info["test_acc"], abs=1e-6)
    common.throughput(benchmark, len(X), rounds)
