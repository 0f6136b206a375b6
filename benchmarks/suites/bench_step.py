"""One optimizer step, on Pullover vs Coat, through each twin's internals (a twin without them,
PyTorch's loop or the numba epoch, is skipped, saying so).

Two measures, each timing one thing in the twin's worker process
(:mod:`benchmarks.harness.timed`):

``test_step`` (groups ``step-<model>-bs<batch>``): one training step on one batch — forward,
backward, the Adam update and the batch's loss/accuracy. Scratch: ``scratch.training.train_epoch``
over exactly one batch; Keras (every backend): ``model.train_on_batch`` (its compiled train step,
``jit_compile`` as the twin resolves it).

``test_apply`` (groups ``apply-<model>``): the optimizer update alone, applying precomputed
gradients to every weight. Scratch: ``Adam.apply_gradients`` on NumPy arrays; Keras:
``optimizer.apply_gradients`` on the model's ``tf.Variable`` s, inside a ``tf.function`` as
``fit`` runs it, with XLA for ``keras-xla`` (the first, traced call is a warm-up); TensorFlow
twins only.
"""

from __future__ import annotations

import pytest

from benchmarks.suites import common

ROUNDS = 50
ITERATIONS = 1
WARMUP_ROUNDS = 5


@pytest.mark.parametrize(("model", "batch_size"), common.cases("step"))
@pytest.mark.parametrize("impl", common.IMPLS)
def test_step(benchmark, pair, workers, impl, model, batch_size):
    worker = common.twin_worker(workers, impl, model, batch_size, pair)
    bs = common.prepare(worker, "prepare_step", impl)
    common.describe(benchmark, workers, impl, model, batch_size, bs,
                    "one training step on one batch", worker)
    rounds = common.Rounds(worker, "time_step")
    benchmark.pedantic(rounds, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=WARMUP_ROUNDS)
    common.throughput(benchmark, bs, rounds)


@pytest.mark.parametrize(("model", "batch_size"), common.cases("apply", per_batch_size=False))
@pytest.mark.parametrize("impl", common.IMPLS)
def test_apply(benchmark, pair, workers, impl, model, batch_size):
    from benchmarks.twins.draws import initial_weights
    from scratch.models import build_model

    # the gradients of the seeded initial weights on the first batch, computed once, here (NumPy)
    cfg = common.config(model, batch_size)
    X, y = common.epoch_data(cfg, pair)
    bs = cfg.effective_batch_size(len(X))
    weights = initial_weights(cfg, X.shape[1])
    net = build_model(**{**cfg.model_spec(), "n_features": X.shape[1]})
    net.set_weights(weights)
    _, grads, _ = net.loss_and_grads(X[:bs], y[:bs])
    grads = [g.copy() for g in grads]
    worker = common.twin_worker(workers, impl, model, batch_size, pair, weights)
    n_weights = common.prepare(worker, "prepare_apply", impl, grads=grads)
    common.describe(benchmark, workers, impl, model, batch_size, 0,
                    "one optimizer update (Adam)", worker)
    benchmark.extra_info["n_weights"] = n_weights
    rounds = common.Rounds(worker, "time_apply")
    benchmark.pedantic(rounds, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=WARMUP_ROUNDS)
    benchmark.extra_info["boundary_seconds_median"] = rounds.boundary_seconds()
