"""The worker's side of a twin's process (:mod:`benchmarks.harness.worker`): its state — the
twin class, the current pair's arrays, the current twin — and one method per command the parent
sends (``data``, ``build``, ``epoch``, ``state``, ``probe``, ``finish``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.harness.timed import TimedCommands

if TYPE_CHECKING:
    from benchmarks.config import ExperimentConfig


def _reset_peak_rss() -> None:
    """Reset the kernel's high-water mark of this process's resident memory (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    """Peak resident memory since the last reset (VmHWM), else the current RSS, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class Serving(TimedCommands):
    """The worker's state: the twin class, the current pair's arrays and the current twin."""

    def __init__(self, twin_class):
        self.twin_class = twin_class
        self.arrays: dict = {}
        self.twin = None

    def data(self, paths: dict) -> None:
        self.arrays = {k: np.load(p, mmap_mode="r") for k, p in paths.items()}

    def build(self, config: ExperimentConfig, weights: list) -> float:
        """Build the twin of ``config`` — the parent's :class:`ExperimentConfig` itself,
        pickled across the pipe (validated once, where it was made; never re-parsed) — with
        the initial ``weights``, and draw its batch orders."""
        from benchmarks.twins.draws import epoch_orders

        self.twin = None
        X, y = self.arrays["X_train"], self.arrays["y_train"]
        _reset_peak_rss()
        self.twin = self.twin_class(config, weights, len(X))
        self.orders = epoch_orders(config, len(X))
        self.X_epoch, self.y_epoch = np.empty(X.shape, X.dtype), np.empty(y.shape, y.dtype)
        return self.twin.setup_seconds

    def reorder(self, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """The training split in epoch ``epoch``'s batch order, taken into the buffers made
        by ``build`` (outside any timed region)."""
        a, order = self.arrays, self.orders[epoch]
        np.take(a["X_train"], order, axis=0, out=self.X_epoch)
        np.take(a["y_train"], order, out=self.y_epoch)
        return self.X_epoch, self.y_epoch

    def epoch(self, epoch: int) -> dict:
        a = self.arrays
        ep = self.twin.train_epoch(*self.reorder(epoch), epoch)
        val_loss = val_acc = math.nan
        if math.isfinite(ep.loss):
            val_loss, val_acc = self.twin.evaluate(a["X_val"], a["y_val"])
        return {"loss": ep.loss, "accuracy": ep.accuracy, "seconds": ep.seconds,
                "step_seconds": ep.step_seconds, "val_loss": val_loss, "val_acc": val_acc}

    def state(self) -> dict:
        return self.twin.get_state()

    def batch(self, epoch: int, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index`` of epoch ``epoch``'s order (the rows the run's epoch trains on)."""
        a, twin = self.arrays, self.twin
        bs = twin.config.effective_batch_size(len(a["X_train"]))
        rows = self.orders.batch_rows(epoch, index, bs)
        return (np.ascontiguousarray(a["X_train"][rows]),
                np.ascontiguousarray(a["y_train"][rows]))

    def probe(self, state: dict, epoch: int = 0, index: int = 0, steps: int = 1,
              X=None, y=None) -> dict:
        """Load ``state``, take ``steps`` steps (batches ``index``… of epoch ``epoch``, or
        ``X``/``y`` each time), return the state then; the twin's own state is restored."""
        twin = self.twin
        own = twin.get_state()
        try:
            twin.set_state(state)
            for k in range(steps):
                twin.train_step(*((X, y) if X is not None else self.batch(epoch, index + k)))
            return twin.get_state()
        finally:
            twin.set_state(own)

    def finish(self, test: bool) -> dict:
        a, twin = self.arrays, self.twin
        out = {"setup_seconds": twin.setup_seconds, "peak_rss_mb": _peak_rss_mb(),
               "weights": twin.get_weights(), "test_loss": math.nan, "test_acc": math.nan,
               "predictions": None, "peak_traced_mb": math.nan}
        if test:
            out["test_loss"], out["test_acc"] = twin.evaluate(a["X_test"], a["y_test"])
            out["predictions"] = twin.predict(a["X_test"])
            traced = getattr(twin, "traced_peak_mb", None)
            if traced is not None:
                out["peak_traced_mb"] = traced(a["X_train"], a["y_train"])
        self.twin = None
        return out
