"""One training epoch, every installed twin, on Pullover vs Coat.

Timed, in the twin's worker process: one call of the twin's ``train_epoch`` over the whole
training split (already in batch order): for scratch ``scratch.training.train_epoch``, for
Keras one ``model.fit(epochs=1)`` call, set-up of that call included
(``extra_info["in_epoch_seconds_median"]`` is the part inside the epoch, as ``runs.csv``'s
``epoch_seconds`` counts it). A warm-up epoch runs first, so graph tracing and XLA compiling
stay out of the timed rounds. Groups ``epoch-<model>-bs<batch>``; each also holds
``gemm-floor``, the epoch's bare matrix products, the floor under every twin.
"""

from __future__ import annotations

import itertools
import statistics

import pytest

from benchmarks.suites import common

ROUNDS = 7
WARMUP_ROUNDS = 1


@pytest.mark.parametrize(("model", "batch_size"), common.cases("epoch"))
@pytest.mark.parametrize("impl", common.IMPLS)
def test_epoch(benchmark, pair, workers, impl, model, batch_size):
    worker = common.twin_worker(workers, impl, model, batch_size, pair)
    common.describe(benchmark, workers, impl, model, batch_size, len(pair.X_train),
                    "one training epoch", worker)
    epochs = itertools.count()  # Keras' fit wants the epoch index (initial_epoch)
    rounds = common.Rounds(worker, "time_epoch")
    benchmark.pedantic(rounds, setup=lambda: ((), {"epoch": next(epochs)}),
                       rounds=ROUNDS, warmup_rounds=WARMUP_ROUNDS)
    timed = [r["in_epoch_seconds"] for r in rounds.replies[-ROUNDS:]]
    benchmark.extra_info["in_epoch_seconds_median"] = statistics.median(timed)
    common.throughput(benchmark, len(pair.X_train), rounds)


@pytest.mark.parametrize(("model", "batch_size"), common.cases("epoch"))
def test_epoch_gemm_floor(benchmark, pair, model, batch_size):
    """The floor under any twin's epoch (:mod:`benchmarks.suites.gemm_floor`), in the same
    group as the twins' epochs, so the table shows how far each is from it. NumPy only, so it
    runs in this process, timed here on the same clock."""
    from benchmarks.suites.gemm_floor import epoch_gemms

    common.configure_numpy_threads()
    cfg = common.config(model, batch_size)
    X, _ = common.epoch_data(cfg, pair)
    bs = cfg.effective_batch_size(len(X))
    gemms = epoch_gemms(X, cfg.hidden_units if model == "mlp" else 0, bs)

    benchmark.extra_info.update(pair=common.PAIR, model=model, impl="gemm-floor",
                                batch_size=cfg.batch_size_label, n_samples=len(X),
                                measures="the matrix products of one epoch, nothing else",
                                backend="numpy", threads=common.threads(), worker_pid=None)
    benchmark.pedantic(common.timed_here(gemms), rounds=ROUNDS, warmup_rounds=WARMUP_ROUNDS)
    common.throughput(benchmark, len(X))
