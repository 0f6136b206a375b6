"""Peak resident memory of the process, sampled in a background thread (psutil).

The runner alternates the twins epoch by epoch, so the sampler is told which twin is active
and keeps one high-water mark per twin, above the resident size at the run's start.
"""

from __future__ import annotations

import threading

import psutil


class RSSSampler:
    """Sample ``psutil.Process().memory_info().rss`` every ``interval`` seconds.

    Use as a context manager; set :attr:`active` to a label ("scratch", "keras") before each
    twin's epoch. :meth:`peak_mb` returns that label's high-water mark minus the RSS at start.
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.active: str | None = None
        self._process = psutil.Process()
        self._peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.start_rss = 0

    def __enter__(self):
        self.start_rss = self._process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def sample(self) -> None:
        """Take one sample now (also called around each epoch, so short epochs count)."""
        label = self.active
        if label is None:
            return
        rss = self._process.memory_info().rss
        if rss > self._peaks.get(label, 0):
            self._peaks[label] = rss

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def peak_mb(self, label: str) -> float:
        """High-water mark of the resident memory while ``label`` was active, above the
        process's resident memory at the start, in MiB (0 if never sampled)."""
        peak = self._peaks.get(label)
        return 0.0 if peak is None else max(0, peak - self.start_rss) / 2**20
