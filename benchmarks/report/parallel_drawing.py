"""Drawing many report figures at once: a sweep of all 45 pairs has ~140 figures, and
matplotlib takes ~0.4 s for each on one core (most of it constrained layout and rasterising),
so a large report is drawn in worker processes, one per core. A small report is drawn in
this process: starting a worker (importing matplotlib) costs more than its figures.

Every figure is a pure function of its arguments returning PNG bytes, so the workers' figures
are byte-identical to this process's (a test holds it). Workers ignore Ctrl-C: the parent
stops them, and the user sees kvsbench's one line, not a traceback per worker. Workers are
fresh interpreters ("spawn": no fork of a process that may hold threads) that never import
the caller's ``__main__`` — a script or notebook calling ``build_report`` without an
``if __name__ == "__main__"`` guard would otherwise run again in every worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import types
from concurrent.futures import ProcessPoolExecutor, as_completed

#: draw in worker processes from this many figures on
PARALLEL_MIN_FIGURES = 24


def usable_cores() -> int:
    """The cores this process may run on (its affinity, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_worker(parent_pid: int) -> None:
    """A drawing worker leaves Ctrl-C to its parent, and dies with it
    (:func:`benchmarks.harness.lifetime.die_with_parent`)."""
    from benchmarks.harness.lifetime import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)


@contextlib.contextmanager
def _main_hidden():
    """While workers start, ``__main__`` is a bare module: multiprocessing then has no main
    script to re-run in them (it reads the name or file of ``__main__`` at each start)."""
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = real


def draw_all(jobs: list, done=None, workers: int | None = None) -> list:
    """Run ``jobs`` — ``(function, args)`` pairs, each function top-level and returning PNG
    bytes — and return their results in the jobs' order; a job that raised gives its
    exception in its place. ``done(i)`` is called as job ``i`` finishes. ``workers``: None
    picks one per usable core when there are :data:`PARALLEL_MIN_FIGURES` jobs or more, else
    draws here; 1 always draws here."""
    if workers is None:
        workers = usable_cores() if len(jobs) >= PARALLEL_MIN_FIGURES else 1
    workers = max(1, min(workers, len(jobs)))
    out: list = [None] * len(jobs)
    if workers == 1:
        for i, (fn, args) in enumerate(jobs):
            try:
                out[i] = fn(*args)
            except Exception as exc:  # noqa: BLE001  (the caller says what it means)
                out[i] = exc
            if done is not None:
                done(i)
        return out
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(),))
    try:
        with _main_hidden():  # every worker starts in a submit
            futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            exc = future.exception()
            out[i] = exc if exc is not None else future.result()
            if done is not None:
                done(i)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return out
