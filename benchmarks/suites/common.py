"""Cached, seeded set-up shared by the pytest-benchmark suites (``bench_*.py``).

Like numpy's ``benchmarks/suites/common.py``: everything a benchmark needs besides the one thing it
times is made here, once, outside any timed region. The data is Pullover vs Coat (the course's
hard pair), split as ``kvsbench run`` splits it; twins are the harness' own classes from
:mod:`benchmarks.harness.registry`, built from the same config and initial weights, so a benchmark
measures exactly the code a paired run trains with. pytest-benchmark times in its own process,
so every twin is built here, in one process, with the threads ``kvsbench run`` gives each of
its workers (``KVSBENCH_THREADS``, default :data:`benchmarks.harness.sweep.DEFAULT_THREADS`; ``all``
for every core), applied once per session by :func:`configure_threads`. The accuracy next to
each time comes from a paired run of the harness' runner
(:func:`benchmarks.harness.runner.run_experiment`) with a fixed budget of :data:`BUDGET_EPOCHS`
epochs, made once per (model, batch size), cached.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

from benchmarks.config import MODELS, ExperimentConfig, batch_size_label
from benchmarks.harness.registry import DEFAULT_TWINS, TWINS

PAIR = "pullover:coat"
#: the twins benchmarked: every registered twin whose libraries are installed
IMPLS = tuple(n for n, e in TWINS.items() if e.missing() is None)
#: the twins whose internals the step and apply groups time (a NumPy optimizer, a Keras model)
INTERNAL_IMPLS = tuple(n for n in DEFAULT_TWINS if n in IMPLS)
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
    the scratch and the Keras row of the same work side by side."""
    out = []
    for model in MODELS:
        if not per_batch_size:
            out.append(pytest.param(model, 32, id=model,
                                    marks=pytest.mark.benchmark(group=f"{kind}-{model}")))
            continue
        for bs in BATCH_SIZES[model]:
            name = f"{model}-bs{batch_size_label(bs)}"
            out.append(pytest.param(model, bs, id=name,
                                    marks=pytest.mark.benchmark(group=f"{kind}-{name}")))
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
    from benchmarks.harness.twins import epoch_orders

    order = epoch_orders(cfg, len(pair.X_train))[0]
    return pair.X_train[order], pair.y_train[order]


# ----------------------------------------------------------------------------- twins
def threads() -> int:
    """``KVSBENCH_THREADS`` (an int, or ``all`` → 0: every core), else kvsbench run's default."""
    from benchmarks.harness.sweep import DEFAULT_THREADS

    value = os.environ.get("KVSBENCH_THREADS", "").strip().lower()
    if not value:
        return DEFAULT_THREADS
    return 0 if value == "all" else int(value)


@functools.cache
def configure_threads() -> int:
    """Give every benchmarked twin's libraries :func:`threads` threads, once per session."""
    n = threads()
    for impl in IMPLS:
        TWINS[impl].load().configure_threads(n)
    return n


def fresh_twin(impl: str, model: str, batch_size: int | None, pair):
    """One twin of the benchmarks' config at its seeded initial weights."""
    from benchmarks.harness.twins import initial_weights

    configure_threads()
    cfg = config(model, batch_size)
    weights = initial_weights(cfg, pair.X_train.shape[1])
    return TWINS[impl].load()(cfg, weights, len(pair.X_train))


@functools.cache
def budget_run(model: str, batch_size: int | None) -> dict:
    """Both twins trained for :data:`BUDGET_EPOCHS` epochs by the harness' paired runner
    (``{impl: RunResult}``), once per (model, batch size)."""
    from benchmarks.harness.runner import run_experiment

    return run_experiment(config(model, batch_size), load_bench_pair(), IMPLS,
                          threads=threads())


def trained_twin(impl: str, model: str, batch_size: int | None, pair):
    """A twin built (through the twin interface) on the weights its :func:`budget_run` ended
    with."""
    configure_threads()
    weights = budget_run(model, batch_size)[impl].final_weights
    return TWINS[impl].load()(config(model, batch_size), weights, len(pair.X_train))


def quality(impl: str, model: str, batch_size: int | None) -> dict:
    """Test accuracy and loss of ``impl`` after the fixed budget, and the twins' parity."""
    runs = budget_run(model, batch_size)
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
        "threads": threads(),
        "n_train": len(pair.X_train),
        "timing_only": bool(getattr(pair, "timing_only", False)),
    }


# ----------------------------------------------------------------------------- extra_info
def describe(benchmark, impl: str, model: str, batch_size: int | None, n_samples: int,
             measures: str) -> None:
    """Fill ``benchmark.extra_info`` with what was measured and the accuracy reached (before
    the timed rounds; :func:`throughput` adds the samples per second after them)."""
    benchmark.extra_info.update(
        pair=PAIR,
        model=model,
        impl=impl,
        batch_size=batch_size_label(batch_size),
        measures=measures,
        n_samples=int(n_samples),
        config=config(model, batch_size).to_dict(),
        **quality(impl, model, batch_size),
    )


def throughput(benchmark, n_samples: int) -> None:
    """``extra_info["samples_per_second"]`` = samples handled per timed call / mean time."""
    stats = getattr(benchmark, "stats", None)  # None under --benchmark-disable
    mean = stats.stats.mean if stats is not None else float("nan")
    benchmark.extra_info["samples_per_second"] = n_samples / mean if mean > 0 else float("nan")
