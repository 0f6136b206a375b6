"""The course's twin comparisons (blobs, moons) trained in worker processes, as ``kvsbench run``
trains: each twin in a process of its own (:mod:`benchmarks.harness.worker`), so the Keras twin
never shares a process, or its thread pools, with NumPy's scratch twin or the course's own
loops. The course draws its own batch orders; the workers train epoch k of every twin in turn
(lockstep), each timing its own epoch.

Parity is judged as ``kvsbench run`` judges it, by the harness' one definition: step parity
(:mod:`benchmarks.harness.step_parity`, from the reference's state before each epoch, after the
timed epoch, on the course's own batches) and the runner's figures
(:func:`benchmarks.harness.runner.compare_with_reference`: the free-running loss gap, the
weights' relative difference), each twin against the reference (Keras).
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.twins.registry import DEFAULT_REFERENCE, DEFAULT_TWINS

#: the runner's parity figures each non-reference twin's record carries
PARITY_FIGURES = ("max_loss_diff", "max_weight_rel_diff", "bifurcation_epoch", "step_parity",
                  "step_parity_tensor", "step_parity_step")


def _batches(X, y, order, batch_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The epoch's batches in ``order``: (X (b, d), y (b,)) each, as the twins trained on."""
    rows = np.asarray(order)
    return [(np.ascontiguousarray(X[rows[i:i + batch_size]]),
             np.ascontiguousarray(y[rows[i:i + batch_size]]))
            for i in range(0, len(rows), batch_size)]


def train_in_workers(config, weights, X, y, X_test, y_test, orders, test_each_epoch=False,
                     impls=DEFAULT_TWINS, reference=DEFAULT_REFERENCE) -> dict:
    """Train every twin of ``impls`` from ``weights`` on X (n, d) float32, y (n,) for
    ``len(orders)`` epochs, epoch k in ``orders[k]``, and judge each against ``reference``.

    Returns ``{impl: {"train_loss": [...], "train_acc": [...], "test_acc": [...] (with
    ``test_each_epoch``), "seconds": total epoch seconds, "weights": final weights}}``; every
    twin but the reference also holds :data:`PARITY_FIGURES`, as the runner defines them.
    """
    from benchmarks.data import Pair
    from benchmarks.harness.runner import RunResult, compare_with_reference
    from benchmarks.harness.step_parity import StepParity, check_epoch, sample_steps
    from benchmarks.harness.worker import TwinPool

    X, y = np.ascontiguousarray(X, np.float32), np.ascontiguousarray(y, np.float32)
    Xt, yt = np.ascontiguousarray(X_test, np.float32), np.ascontiguousarray(y_test, np.float32)
    pair = Pair(X, y, Xt, yt, Xt, yt, 0, 1, ("0", "1"), "course", 0, "course")
    out = {impl: {"train_loss": [], "train_acc": [], "test_acc": [], "seconds": 0.0}
           for impl in impls}
    runs = {impl: RunResult(impl, config, len(X), reference=reference) for impl in impls}
    batch_size = config.effective_batch_size(len(X))
    steps_per_epoch = config.steps_per_epoch(len(X))
    samples = sample_steps(len(orders), steps_per_epoch)
    parities = {impl: StepParity() for impl in impls if impl != reference}
    with TwinPool(impls, threads=1) as pool:
        workers = {}
        for impl in impls:
            workers[impl] = pool.start(impl)
            pool.load(workers[impl], pair)
            workers[impl].call("build", config=config, weights=weights)
        for epoch, order in enumerate(orders):
            start = workers[reference].call("state")  # before the timed epoch, as the runner
            for impl in impls:
                r = workers[impl].call("epoch_in_order", order=np.asarray(order), epoch=epoch,
                                       test=test_each_epoch)
                rec = out[impl]
                rec["train_loss"].append(r["loss"])
                rec["train_acc"].append(r["accuracy"])
                rec["seconds"] += r["seconds"]
                runs[impl].curves["train_loss"].append(r["loss"])
                runs[impl].curves["epoch_seconds"].append(r["seconds"])
                if not math.isfinite(r["loss"]):
                    runs[impl].status = "diverged"
                if test_each_epoch:
                    rec["test_acc"].append(r["test_acc"])
            check_epoch(workers, reference, epoch, [j for e, j in samples if e == epoch],
                        steps_per_epoch, parities, start=start,
                        batches=_batches(X, y, order, batch_size),
                        activation=config.activation)
        for impl in impls:
            out[impl]["weights"] = workers[impl].call("finish", test=False)["weights"]
            runs[impl].final_weights = out[impl]["weights"]
    for impl, sp in parities.items():
        run = runs[impl]
        compare_with_reference(run, runs[reference], {})
        run.step_parity, run.step_parity_tensor, run.step_parity_step = sp.value, sp.tensor, sp.step
        out[impl].update({k: getattr(run, k) for k in PARITY_FIGURES})
    return out
