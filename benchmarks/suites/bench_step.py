"""One optimizer step, scratch vs Keras, on Pullover vs Coat (these two twins only: the step
and the update are timed through each one's internals, not through the twin interface).

Two measures, each timing one thing:

``test_step`` (groups ``step-<model>-bs<batch>``): one training step on one batch — forward,
backward, the Adam update and the batch's loss/accuracy. Scratch: ``scratch.training.train_epoch``
over exactly one batch; Keras: ``model.train_on_batch`` (its compiled train step).

``test_apply`` (groups ``apply-<model>``): the optimizer update alone, applying precomputed
gradients to every weight. Scratch: ``Adam.apply_gradients`` on NumPy arrays; Keras:
``optimizer.apply_gradients`` on the model's ``tf.Variable`` s, inside a ``tf.function`` as
``fit`` runs it (the first, traced call is a warm-up).
"""

from __future__ import annotations

import pytest

from benchmarks.suites import common

ROUNDS = 50
ITERATIONS = 1
WARMUP_ROUNDS = 5


def _first_batch(model, batch_size, pair):
    cfg = common.config(model, batch_size)
    X, y = common.epoch_data(cfg, pair)
    bs = cfg.effective_batch_size(len(X))
    return X[:bs], y[:bs]


@pytest.mark.parametrize(("model", "batch_size"), common.cases("step"))
@pytest.mark.parametrize("impl", common.INTERNAL_IMPLS)
def test_step(benchmark, pair, impl, model, batch_size):
    xb, yb = _first_batch(model, batch_size, pair)
    common.describe(benchmark, impl, model, batch_size, len(xb), "one training step on one batch")
    twin = common.fresh_twin(impl, model, batch_size, pair)
    if impl == "scratch":
        from scratch.training import train_epoch

        def step():
            return train_epoch(twin.model, twin.optimizer, xb, yb, len(xb))
    else:
        def step():
            return twin.model.train_on_batch(xb, yb)

    benchmark.pedantic(step, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=WARMUP_ROUNDS)
    common.throughput(benchmark, len(xb))


@pytest.mark.parametrize(("model", "batch_size"), common.cases("apply", per_batch_size=False))
@pytest.mark.parametrize("impl", common.INTERNAL_IMPLS)
def test_apply(benchmark, pair, impl, model, batch_size):
    common.describe(benchmark, impl, model, batch_size, 0, "one optimizer update (Adam)")
    # the gradients of the seeded initial weights on the first batch, computed once
    xb, yb = _first_batch(model, batch_size, pair)
    _, grads, _ = common.fresh_twin("scratch", model, batch_size, pair).model.loss_and_grads(xb, yb)
    grads = [g.copy() for g in grads]
    twin = common.fresh_twin(impl, model, batch_size, pair)
    if impl == "scratch":
        params, optimizer = twin.model.params, twin.optimizer

        def apply():
            return optimizer.apply_gradients(zip(grads, params))
    else:
        import tensorflow as tf

        variables, optimizer = twin.model.trainable_variables, twin.model.optimizer
        optimizer.build(variables)
        tf_grads = [tf.constant(g) for g in grads]
        apply = tf.function(lambda: optimizer.apply_gradients(zip(tf_grads, variables)))

    benchmark.extra_info["n_weights"] = int(sum(g.size for g in grads))
    benchmark.pedantic(apply, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=WARMUP_ROUNDS)
