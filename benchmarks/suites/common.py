"""Cached, seeded set-up shared by the pytest-benchmark suites (``bench_*.py``).

Like numpy's ``benchmarks/suites/common.py``: everything a benchmark needs besides the one thing it
times is made here, once, outside any timed region. The data is Pullover vs Coat (the course's
hard pair), split as ``kvsbench run`` splits it; twins are the harness' own classes from
:mod:`benchmarks.twins.registry`, built from the same config and initial weights, so a benchmark
measures exactly the code a paired run trains with.

Each twin runs in its own worker process (:mod:`benchmarks.harness.worker`, one per twin for
the session: :func:`start_pool`), as in ``kvsbench run``: this process never imports a
framework, and the workers get the threads ``kvsbench run`` gives them (``KVSBENCH_THREADS``,
default :data:`benchmarks.harness.sweep.DEFAULT_THREADS`; ``all`` for every core). A round is
one command to the worker, which times the twin's call with ``time.perf_counter``
(:mod:`benchmarks.harness.timed`); the benchmarks' timer is :func:`worker_clock`, advanced by
exactly that figure, so the pipe's round trip is never in a timed figure (each row's
``extra_info["boundary_seconds_median"]`` says what it was). The accuracy next to each time comes
from a paired run of the harness' runner (:func:`benchmarks.harness.runner.run_experiment`) with
a fixed budget of :data:`BUDGET_EPOCHS` epochs, made once per (model, batch size), cached.
"""

from __future__ import annotations

import functools
import os
import statistics
import time

import numpy as np
import pytest

from benchmarks.config import MODELS, ExperimentConfig, batch_size_label
from benchmarks.twins.registry import TWINS

PAIR = "pullover:coat"
#: the twins benchmarked: every registered twin whose libraries are installed
IMPLS = tuple(n for n, e in TWINS.items() if e.missing() is None)
#: batch sizes per model (None: full batch, logreg only)
BATCH_SIZES = {"logreg": (32, 256, None), "mlp": (32, 256)}
#: the fixed training budget behind ``extra_info``'s test accuracy and loss
BUDGET_EPOCHS = 2
SEED = 0
SKIP_REASON = (
    "Fashion-MNIST not found (FASHION_MNIST_DIR not set, nothing in the Keras cache): set "
    "FASHION_MNIST_DIR to a directory with the four IDX files (e.g. "
    "../shared/fashion-mnist-subset) or import them with kvsbench data import DIR"
)


def config(model: str, batch_size: int | None = 32,
           epochs: int = BUDGET_EPOCHS) -> ExperimentConfig:
    """The benchmarks' experiment: ``kvsbench run``'s defaults (Adam, lr 0.001, glorot_uniform,
    seed 0) on :data:`PAIR`, with ``batch_size`` and the budget of ``epochs``."""
    return ExperimentConfig(model=model, pair=PAIR, batch_size=batch_size, epochs=epochs, seed=SEED)


def cases(kind: str, per_batch_size: bool = True) -> list:
    """``pytest.param(model, batch_size)`` for every case, each marked with its benchmark group
    (``"<kind>-<model>-bs<batch>"``, or ``"<kind>-<model>"``), so that a group's table holds
    every twin's row of the same work side by side, and timed by :func:`worker_clock`."""
    out = []
    for model in MODELS:
        if not per_batch_size:
            out.append(pytest.param(model, 32, id=model,
                                    marks=pytest.mark.benchmark(group=f"{kind}-{model}",
                                                                timer=worker_clock)))
            continue
        for bs in BATCH_SIZES[model]:
            name = f"{model}-bs{batch_size_label(bs)}"
            out.append(pytest.param(model, bs, id=name,
                                    marks=pytest.mark.benchmark(group=f"{kind}-{name}",
                                                                timer=worker_clock)))
    return out


# ----------------------------------------------------------------------------- data
def find_data():
    """Where Fashion-MNIST is (``FASHION_MNIST_DIR``, then the Keras cache), or None.

    Never downloads. A ``FASHION_MNIST_DIR`` that is set but wrong raises DataError (the
    benchmarks then error loudly instead of skipping).
    """
    from benchmarks.data import DataError, resolve_data_dir

    try:
        return resolve_data_dir(None, download=False)
    except DataError:
        if os.environ.get("FASHION_MNIST_DIR"):
            raise
        return None


@functools.lru_cache(maxsize=1)
def load_bench_pair():
    """Pullover vs Coat, split with the benchmarks' config (read once per session)."""
    from benchmarks.data import load_pair, parse_pair

    source = find_data()
    if source is None:
        pytest.skip(SKIP_REASON)
    first, second = parse_pair(PAIR)
    cfg = config("logreg")
    return load_pair(first, second, protocol=cfg.protocol, data_dir=source.directory,
                     seed=cfg.split_seed)


def epoch_data(cfg: ExperimentConfig, pair) -> tuple[np.ndarray, np.ndarray]:
    """The training split in the config's first-epoch batch order (what an epoch trains on)."""
    from benchmarks.twins.draws import epoch_orders

    order = epoch_orders(cfg, len(pair.X_train))[0]
    return pair.X_train[order], pair.y_train[order]


# ----------------------------------------------------------------------------- the clock
_CLOCK = [0.0]


def worker_clock() -> float:
    """The benchmarks' timer: seconds of measured work, advanced by :func:`advance` with each
    round's figure (a worker's ``perf_counter`` around the twin's call). pytest-benchmark reads
    it before and after a round; nothing else moves it, so a round's time is that figure."""
    return _CLOCK[0]


def advance(seconds: float) -> None:
    _CLOCK[0] += float(seconds)


class Rounds:
    """The function a benchmark's ``pedantic`` calls: one command to ``worker`` per round,
    :func:`worker_clock` advanced by the worker's figure; the parent's own time of each call
    is kept, to record what the process boundary added (:meth:`boundary_seconds`)."""

    def __init__(self, worker, command: str, **kwargs):
        self.worker, self.command, self.kwargs = worker, command, kwargs
        self.replies: list[dict] = []
        self.boundary: list[float] = []

    def __call__(self, **more):
        t0 = time.perf_counter()
        reply = self.worker.call(self.command, **self.kwargs, **more)
        wall = time.perf_counter() - t0
        advance(reply["seconds"])
        self.replies.append(reply)
        self.boundary.append(wall - reply["seconds"])
        return reply

    def boundary_seconds(self) -> float:
        """Median over the rounds of (the parent's time of the call − the worker's figure)."""
        return statistics.median(self.boundary) if self.boundary else float("nan")


def timed_here(fn):
    """``fn`` timed in this process (NumPy only: the GEMM floor), on the same clock."""

    def run(*args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        advance(time.perf_counter() - t0)
        return out

    return run


# ----------------------------------------------------------------------------- twins
def threads() -> int:
    """``KVSBENCH_THREADS`` (an int, or ``all`` → 0: every core), else kvsbench run's default."""
    from benchmarks.harness.sweep import DEFAULT_THREADS

    value = os.environ.get("KVSBENCH_THREADS", "").strip().lower()
    if not value:
        return DEFAULT_THREADS
    return 0 if value == "all" else int(value)


@functools.cache
def configure_numpy_threads() -> int:
    """Give this process's NumPy BLAS :func:`threads` threads (the GEMM floor runs here)."""
    from threadpoolctl import threadpool_limits

    from benchmarks.twins.threads import resolve_threads

    threadpool_limits(limits=resolve_threads(threads()), user_api="blas")
    return threads()


#: what each started worker reported (its twin's settings, threads, pid), for the JSON
WORKER_INFO: dict[str, dict] = {}


def start_pool():
    """The session's workers, one per benchmarked twin, each started when first needed (what
    they report lands in :data:`WORKER_INFO`)."""
    from benchmarks.harness.worker import TwinPool

    pool = TwinPool(IMPLS, threads=threads())
    pool.info = WORKER_INFO
    return pool


def twin_worker(pool, impl: str, model: str, batch_size: int | None, pair, weights=None):
    """``impl``'s worker holding a twin of the benchmarks' config built on ``weights`` (default:
    the seeded initial weights), with ``pair`` as its data. The case's :func:`budget_run`
    trains in the same workers, so it is made first."""
    from benchmarks.twins.draws import initial_weights

    budget_run(pool, model, batch_size)
    cfg = config(model, batch_size)
    if weights is None:
        weights = initial_weights(cfg, pair.X_train.shape[1])
    worker = pool.start(impl)
    pool.load(worker, pair)
    worker.call("build", config=cfg, weights=weights)
    return worker


@functools.cache
def _budget_run(pool, model: str, batch_size: int | None) -> dict:
    from benchmarks.harness.runner import run_experiment

    return run_experiment(config(model, batch_size), load_bench_pair(), IMPLS, pool=pool)


def budget_run(pool, model: str, batch_size: int | None) -> dict:
    """Every twin trained for :data:`BUDGET_EPOCHS` epochs by the harness' paired runner in the
    session's workers (``{impl: RunResult}``), once per (model, batch size)."""
    return _budget_run(pool, model, batch_size)


def trained_worker(pool, impl: str, model: str, batch_size: int | None, pair):
    """``impl``'s worker holding a twin built on the weights its :func:`budget_run` ended with."""
    weights = budget_run(pool, model, batch_size)[impl].final_weights
    return twin_worker(pool, impl, model, batch_size, pair, weights)


def quality(pool, impl: str, model: str, batch_size: int | None) -> dict:
    """Test accuracy and loss of ``impl`` after the fixed budget, and the twins' parity."""
    runs = budget_run(pool, model, batch_size)
    res = runs[impl]
    parity = [r.max_loss_diff for r in runs.values() if r.max_loss_diff == r.max_loss_diff]
    pair = load_bench_pair()
    return {
        "budget_epochs": BUDGET_EPOCHS,
        "test_acc": float(res.test_acc),
        "test_loss": float(res.test_loss),
        # the experiment's parity figure: the largest of every twin's against the reference
        "max_loss_diff": float(max(parity)) if parity else float("nan"),
        "reference": res.reference,
        "n_train": len(pair.X_train),
        "timing_only": bool(getattr(pair, "timing_only", False)),
    }


# ----------------------------------------------------------------------------- extra_info
def worker_settings(worker) -> dict:
    """What ``worker`` really runs its twin with (its start-up reply): the framework/backend,
    Keras' ``jit_compile`` and ``steps_per_execution`` as resolved there, the threads, its pid."""
    from benchmarks.harness.runner import _threads_of

    info = worker.info
    return {"backend": info.get("backend"), "jit_compile": info.get("jit_compile"),
            "steps_per_execution": info.get("steps_per_execution"),
            "threads": _threads_of(info), "worker_pid": info.get("pid")}


def prepare(worker, command: str, impl: str, **kwargs):
    """Send an untimed ``prepare_*`` command; skip the benchmark for a twin that has no such
    internals to time (its worker says so in one line)."""
    from benchmarks.harness.worker import TwinError

    try:
        return worker.call(command, **kwargs)
    except TwinError as exc:
        if "TypeError: no " not in str(exc):
            raise
        pytest.skip(f"{impl}: {exc}")


def describe(benchmark, pool, impl: str, model: str, batch_size: int | None, n_samples: int,
             measures: str, worker) -> None:
    """Fill ``benchmark.extra_info`` with what was measured, where (:func:`worker_settings`)
    and the accuracy reached (before the timed rounds; :func:`throughput` adds the samples per
    second and the boundary's cost after them)."""
    benchmark.extra_info.update(
        pair=PAIR,
        model=model,
        impl=impl,
        batch_size=batch_size_label(batch_size),
        measures=measures,
        n_samples=int(n_samples),
        config=config(model, batch_size).to_dict(),
        **quality(pool, impl, model, batch_size),
        **worker_settings(worker),
    )


def throughput(benchmark, n_samples: int, rounds: Rounds | None = None) -> None:
    """``extra_info["samples_per_second"]`` = samples handled per timed call / mean time, and
    with ``rounds`` ``boundary_seconds_median``: what a round cost the parent beyond the
    worker's figure (the pipe, pickling; never in the timed figure)."""
    stats = getattr(benchmark, "stats", None)  # None under --benchmark-disable
    mean = stats.stats.mean if stats is not None else float("nan")
    benchmark.extra_info["samples_per_second"] = n_samples / mean if mean > 0 else float("nan")
    if rounds is not None:
        benchmark.extra_info["boundary_seconds_median"] = rounds.boundary_seconds()
