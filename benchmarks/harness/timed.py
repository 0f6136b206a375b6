"""The worker commands of the pytest-benchmark suites: one timed unit of a twin's work per call.

The suites (``benchmarks/suites/bench_*.py``) time each twin in its worker process
(:mod:`benchmarks.harness.worker`), which holds that twin's framework and nothing else. Each
command below runs ONE round of one benchmark and returns its time as the worker measured it,
``time.perf_counter`` right around the twin's call, so the pipe between the processes is outside
every figure: the suites' timer is a clock advanced by these figures
(``benchmarks.suites.common.worker_clock``). Everything else a round needs (the batch, the
gradients) is prepared by an untimed command first.

``time_epoch``   one ``train_epoch`` call over the training split in its first-epoch order
``time_predict`` one ``predict`` over the test split (the labels only when asked)
``time_step``    one optimizer step on the first batch (``prepare_step`` first): scratch's
                 ``train_epoch`` over that batch; a Keras model's ``train_on_batch``, its
                 compiled train step
``time_apply``   one Adam update of precomputed gradients (``prepare_apply`` first): scratch's
                 ``apply_gradients``, or Keras' on TensorFlow inside a ``tf.function``, as
                 ``fit`` runs it (with XLA where the twin compiles with it)

``epoch_in_order`` is the course's epoch (:mod:`benchmarks.course.twins`): one epoch in an
order the course draws itself, timed by the twin as ``kvsbench run``'s epochs are.

A twin without such internals (PyTorch's loop, the numba epoch) answers ``prepare_*`` with a
TypeError, and the suite skips it.
"""

from __future__ import annotations

import time

import numpy as np


def _seconds(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


class TimedCommands:
    """Mixed into the worker's state (``arrays``, ``twin``, ``X_epoch``, ``y_epoch`` set by
    its ``data`` and ``build`` commands, and its ``reorder``)."""

    def _first_epoch(self) -> tuple[np.ndarray, np.ndarray]:
        """The training split in the first epoch's batch order (reordered once per build)."""
        if getattr(self, "_ordered_twin", None) is not self.twin:
            self.reorder(0)
            self._ordered_twin = self.twin
        return self.X_epoch, self.y_epoch

    def time_epoch(self, epoch: int) -> dict:
        """One ``train_epoch`` call, Keras' ``fit`` set-up included (``in_epoch_seconds``: the
        part inside the epoch, as runs.csv's ``epoch_seconds``)."""
        X, y = self._first_epoch()
        seconds, ep = _seconds(lambda: self.twin.train_epoch(X, y, epoch))
        return {"seconds": seconds, "in_epoch_seconds": ep.seconds, "loss": ep.loss}

    def epoch_in_order(self, order, epoch: int, test: bool = False) -> dict:
        """Train epoch ``epoch`` on the training split in ``order`` (a course's own batch
        order; reordered outside the timed region), and with ``test`` evaluate on the test
        split: ``{"loss", "accuracy", "seconds", "test_loss", "test_acc"}``."""
        a = self.arrays
        X, y = a["X_train"][np.asarray(order)], a["y_train"][np.asarray(order)]
        ep = self.twin.train_epoch(X, y, epoch)
        out = {"loss": ep.loss, "accuracy": ep.accuracy, "seconds": ep.seconds}
        if test:
            out["test_loss"], out["test_acc"] = self.twin.evaluate(a["X_test"], a["y_test"])
        return out

    def time_predict(self, labels: bool = False) -> dict:
        X = self.arrays["X_test"]
        seconds, out = _seconds(lambda: self.twin.predict(X))
        return {"seconds": seconds, "labels": np.asarray(out) if labels else None}

    def prepare_step(self) -> int:
        """Make the step :meth:`time_step` times, on the first batch of the first epoch; returns
        the batch's size (TypeError for a twin without a step to time on its own)."""
        X, y = self._first_epoch()
        bs = self.twin.batch_size
        xb, yb = np.ascontiguousarray(X[:bs]), np.ascontiguousarray(y[:bs])
        self._step = _one_step(self.twin, xb, yb)
        return len(xb)

    def time_step(self) -> dict:
        seconds, _ = _seconds(self._step)
        return {"seconds": seconds}

    def prepare_apply(self, grads: list) -> int:
        """Make the update :meth:`time_apply` times, for gradients ``grads`` (Keras layer
        order); returns the number of weights."""
        self._apply = _one_apply(self.twin, [np.asarray(g, dtype=np.float32) for g in grads])
        return int(sum(np.size(g) for g in grads))

    def time_apply(self) -> dict:
        seconds, _ = _seconds(self._apply)
        return {"seconds": seconds}


def _one_step(twin, xb, yb):
    """One training step of ``twin`` on the batch, through its internals."""
    from benchmarks.twins.scratch_numpy import ScratchTwin

    model = getattr(twin, "model", None)
    if hasattr(model, "train_on_batch"):  # a Keras twin, on any backend
        return lambda: model.train_on_batch(xb, yb)
    if type(twin) is ScratchTwin:
        from scratch.training import train_epoch

        return lambda: train_epoch(twin.model, twin.optimizer, xb, yb, len(xb))
    raise TypeError(f"no one-step timing for a {type(twin).__name__}")


def _one_apply(twin, grads):
    """One optimizer update of ``twin``'s weights with ``grads``, through its internals."""
    from benchmarks.twins.scratch_numpy import ScratchTwin

    if type(twin) is ScratchTwin:
        params, optimizer = twin.model.params, twin.optimizer
        return lambda: optimizer.apply_gradients(zip(grads, params))
    model = getattr(twin, "model", None)
    if hasattr(model, "train_on_batch"):
        from keras_models._backend import backend_name

        if backend_name() == "tensorflow":
            import tensorflow as tf

            variables, optimizer = model.trainable_variables, model.optimizer
            optimizer.build(variables)
            tf_grads = [tf.constant(g) for g in grads]
            return tf.function(lambda: optimizer.apply_gradients(zip(tf_grads, variables)),
                               jit_compile=twin.resolved["jit_compile"])
    raise TypeError(f"no update timing for a {type(twin).__name__} here")
