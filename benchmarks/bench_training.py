"""One training epoch, scratch vs Keras, on Pullover vs Coat.

Timed: one call of the twin's ``train_epoch`` over the whole training split (already in batch
order): for scratch ``scratch.training.train_epoch``, for Keras one ``model.fit(epochs=1)``
call, set-up of that call included (``extra_info["in_epoch_seconds_median"]`` is the part
inside the epoch, as ``runs.csv``'s ``epoch_seconds`` counts it). A warm-up epoch runs first,
so Keras' graph tracing stays out of the timed rounds. Groups ``epoch-<model>-bs<batch>``.
"""

from __future__ import annotations

import itertools
import statistics

import pytest

from benchmarks import common

ROUNDS = 7
WARMUP_ROUNDS = 1


@pytest.mark.parametrize(("model", "batch_size"), common.cases("epoch"))
@pytest.mark.parametrize("impl", common.IMPLS)
def test_epoch(benchmark, pair, impl, model, batch_size):
    X, y = common.epoch_data(common.config(model, batch_size), pair)
    common.describe(benchmark, impl, model, batch_size, len(X), "one training epoch")
    twin = common.fresh_twin(impl, model, batch_size, pair)
    epochs = itertools.count()  # Keras' fit wants the epoch index (initial_epoch)
    in_epoch_seconds = []

    def one_epoch(epoch):
        in_epoch_seconds.append(twin.train_epoch(X, y, epoch).seconds)

    benchmark.pedantic(one_epoch, setup=lambda: ((next(epochs),), {}),
                       rounds=ROUNDS, warmup_rounds=WARMUP_ROUNDS)
    timed = in_epoch_seconds[-ROUNDS:]
    benchmark.extra_info["in_epoch_seconds_median"] = statistics.median(timed)
    common.throughput(benchmark, len(X))
