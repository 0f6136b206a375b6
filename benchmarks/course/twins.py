"""The course's twin comparisons (blobs, moons) trained in worker processes, as ``kvsbench run``
trains: each twin in a process of its own (:mod:`benchmarks.harness.worker`), so the Keras twin
never shares a process, or its thread pools, with NumPy's scratch twin or the course's own
loops. The course draws its own batch orders; the workers train epoch k of every twin in turn
(lockstep), each timing its own epoch.
"""

from __future__ import annotations

import numpy as np

#: the course's pair of twins
COURSE_TWINS = ("scratch", "keras")


def train_in_workers(config, weights, X, y, X_test, y_test, orders, test_each_epoch=False,
                     impls=COURSE_TWINS) -> dict:
    """Train every twin of ``impls`` from ``weights`` on X (n, d) float32, y (n,) for
    ``len(orders)`` epochs, epoch k in ``orders[k]``.

    Returns ``{impl: {"train_loss": [...], "train_acc": [...], "test_acc": [...] (with
    ``test_each_epoch``), "seconds": total epoch seconds, "weights": final weights}}``.
    """
    from benchmarks.data import Pair
    from benchmarks.harness.worker import TwinPool

    X, y = np.ascontiguousarray(X, np.float32), np.ascontiguousarray(y, np.float32)
    Xt, yt = np.ascontiguousarray(X_test, np.float32), np.ascontiguousarray(y_test, np.float32)
    pair = Pair(X, y, Xt, yt, Xt, yt, 0, 1, ("0", "1"), "course", 0, "course")
    out = {impl: {"train_loss": [], "train_acc": [], "test_acc": [], "seconds": 0.0}
           for impl in impls}
    with TwinPool(impls, threads=1) as pool:
        workers = {}
        for impl in impls:
            workers[impl] = pool.start(impl)
            pool.load(workers[impl], pair)
            workers[impl].call("build", config=config, weights=weights)
        for epoch, order in enumerate(orders):
            for impl in impls:
                r = workers[impl].call("epoch_in_order", order=np.asarray(order), epoch=epoch,
                                       test=test_each_epoch)
                rec = out[impl]
                rec["train_loss"].append(r["loss"])
                rec["train_acc"].append(r["accuracy"])
                rec["seconds"] += r["seconds"]
                if test_each_epoch:
                    rec["test_acc"].append(r["test_acc"])
        for impl in impls:
            out[impl]["weights"] = workers[impl].call("finish", test=False)["weights"]
    return out
