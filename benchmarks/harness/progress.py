"""What ``kvsbench run`` shows while it trains, on stderr.

On a terminal, a bar of epochs whose text is the current experiment and, per twin, its last
epoch's loss and accuracy — as Keras' ``fit`` shows them (``loss: 0.2345 - accuracy: 0.9123``).
Not on a terminal (a CI log, a pipe) a bar is noise, and silence for the whole run looks like
a hang: one line per finished experiment instead. ``quiet``: nothing.
"""

from __future__ import annotations

import sys

from benchmarks.errors import one_line


def _figures(logs: dict | None) -> str:
    if not logs:
        return "—"
    return f"loss {logs['loss']:.4f} acc {logs['accuracy']:.4f}"


class SweepProgress:
    """Told of every epoch and every finished experiment of a sweep (``todo``: its configs)."""

    def __init__(self, todo, impls, quiet: bool = False, log=None, stream=None):
        from benchmarks.twins.registry import label

        self.stream = stream or sys.stderr
        self.labels = {impl: label(impl) for impl in impls}
        self.total, self.done = len(todo), 0
        self.last: dict = {}
        tty = self.stream.isatty()
        self.lines = not quiet and not tty
        self.log = log or (lambda msg: print(one_line(msg), file=self.stream))
        self.bar = None
        if not quiet and tty:
            from tqdm.auto import tqdm

            epochs = sum(c.epochs for c in todo) * len(impls)
            self.bar = tqdm(total=epochs, unit="epoch", dynamic_ncols=True, leave=False,
                            file=self.stream)

    def start(self, config) -> None:
        self.last = {}
        if self.bar is not None:
            self.bar.set_description(f"{config.model} {config.pair} s{config.seed}")

    def epoch(self, impl: str, epoch: int, logs: dict | None = None) -> None:
        """One epoch of twin ``impl`` ended; ``logs``: its ``loss`` and ``accuracy`` (the
        epoch's running means, as Keras reports them)."""
        self.last[impl] = logs
        if self.bar is not None:
            self.bar.set_postfix_str(" | ".join(
                f"{self.labels.get(i, i)} {_figures(v)}" for i, v in self.last.items()),
                refresh=False)
            self.bar.update(1)

    def finished(self, config, results) -> None:
        """An experiment is recorded: its line, when not on a terminal."""
        self.done += 1
        if not self.lines:
            return
        twins = "; ".join(
            f"{self.labels.get(i, i)} {r.status}, {_figures(self.last.get(i))}, "
            f"test acc {r.test_acc:.4f}, {r.fit_seconds:.1f} s"
            for i, r in results.items())
        self.log(f"kvsbench: [{self.done}/{self.total}] {config.model} {config.pair} seed "
                 f"{config.seed}: {twins}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
