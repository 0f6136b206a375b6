"""The twin interface, and the NumPy twins ``scratch`` and ``scratch-numba`` (the Keras twins
are in :mod:`benchmarks.harness.keras_twin`, the PyTorch one in ``torch_twin``).

A twin is built from ONE config and the experiment's initial weights, and then trains one epoch
at a time on data already in that epoch's batch order, so the runner can drive every twin in
lockstep. Each twin lives in a worker process of its own (:mod:`benchmarks.harness.worker`): the
class is imported there, its libraries with it, and :meth:`Twin.configure_threads` runs before it
trains. A new twin is one class with these methods and its metadata (label, libraries, ...)
as class attributes, declared under the ``kvsbench.twins`` entry-point group
(:mod:`benchmarks.harness.registry`, docs/plugins.md).

The initial weights and the batch orders are drawn here, once, from the config's seed, so that
every twin of an experiment starts from the same arrays and sees the same batches.
"""

from __future__ import annotations

import copy
import math
import os
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.harness import twin_state


def _model_spec(config: ExperimentConfig, n_features: int) -> dict:
    """The config's model spec for inputs of ``n_features`` (784 for Fashion-MNIST)."""
    return {**config.model_spec(), "n_features": int(n_features)}


def initial_weights(config: ExperimentConfig, n_features: int = 784) -> list[np.ndarray]:
    """Draw the experiment's initial weights once, in Keras layer order (float32).

    Kernels from ``config.init`` with ``numpy.random.default_rng([seed, 0])``; biases zero.
    """
    from scratch.models import build_model

    model = build_model(**_model_spec(config, n_features), dtype=np.float32)
    model.initialize(config.init, rng=np.random.default_rng([config.seed, 0]))
    return model.get_weights()


def epoch_orders(config: ExperimentConfig, n_train: int) -> EpochOrders:
    """The batch order of every epoch, the same for all twins (``default_rng([seed, 1])``)."""
    return EpochOrders(config.seed, n_train, config.epochs)


class EpochOrders(Sequence):
    """The batch orders of ``epochs`` epochs: epoch e's is the (e+1)-th ``permutation(n_train)``
    of ``numpy.random.default_rng([seed, 1])``. Drawn as the epochs ask for them, in turn, so a
    long run holds one order, not all (100k epochs of 7,200 images would be 5.8 GB); asking
    for an earlier epoch again draws from the start."""

    def __init__(self, seed: int, n_train: int, epochs: int):
        self.seed, self.n_train, self.epochs = seed, n_train, epochs
        self._rng, self._drawn, self._last = None, 0, None

    def __len__(self) -> int:
        return self.epochs

    def __getitem__(self, epoch):
        if isinstance(epoch, slice):
            return [self[e] for e in range(*epoch.indices(self.epochs))]
        epoch = int(epoch) + (self.epochs if epoch < 0 else 0)
        if not 0 <= epoch < self.epochs:
            raise IndexError(f"epoch {epoch} of {self.epochs}")
        if self._rng is None or epoch < self._drawn - 1:
            self._rng, self._drawn = np.random.default_rng([self.seed, 1]), 0
        while self._drawn <= epoch:
            self._last = self._rng.permutation(self.n_train)
            self._drawn += 1
        return self._last


def resolve_threads(threads: int) -> int:
    """``--threads`` as a count: 0 means every core of the machine."""
    return int(threads) if threads > 0 else (os.cpu_count() or 1)


def step_seconds(step_starts, epoch_end: float, steps_per_call: int = 1) -> float:
    """One step's time in an epoch: the median interval between step starts (the last step
    ends with the epoch), leaving out the first step, which carries the epoch's dispatch; with
    ``steps_per_call`` steps per timed call (Keras' ``steps_per_execution``), divided by it and
    the last, partial call left out. NaN with fewer than two such intervals (e.g. full batch)."""
    stamps = [*step_starts, epoch_end]
    intervals = [b - a for a, b in zip(stamps[1:-1], stamps[2:])]
    if steps_per_call > 1:
        intervals = [t / steps_per_call for t in intervals[:-1]]
    return statistics.median(intervals) if len(intervals) >= 2 else math.nan


def mean_step_seconds(step_starts, epoch_end: float, n_steps: int,
                      steps_per_call: int = 1) -> float:
    """One step's time where steps are queued asynchronously (JAX): the intervals between step
    starts then time the queueing (~0.1 ms) and, now and then, a wait for the queue; the epoch's
    end waits for every step (Keras turns the epoch's logs into floats). So: from the second
    call's start to the epoch's end, over the ``n_steps − steps_per_call`` steps after the
    first call. NaN under two calls."""
    if len(step_starts) < 2 or n_steps <= steps_per_call:
        return math.nan
    return (epoch_end - step_starts[1]) / (n_steps - steps_per_call)


@dataclass
class Epoch:
    """What one twin's epoch gave: Keras-way running means, and its times (seconds)."""

    loss: float
    accuracy: float
    seconds: float
    #: median time of one optimizer step (see :func:`step_seconds`)
    step_seconds: float = math.nan


class Twin(Protocol):
    """What the runner needs of an implementation (``scratch``, ``keras`` …)."""

    #: seconds spent outside the timed epochs (building, ``fit``'s own set-up), summed
    setup_seconds: float

    def __init__(self, config: ExperimentConfig, weights: list[np.ndarray], n_train: int): ...

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        """Give the twin's libraries ``threads`` threads (called once, before any build)."""

    @classmethod
    def runtime_info(cls) -> dict:
        """The threads and library versions this process really runs the twin with."""

    def train_epoch(self, X: np.ndarray, y: np.ndarray, epoch: int) -> Epoch:
        """Train epoch ``epoch`` on X (n, n_features) float32, y (n,), in batch order."""

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) without updating the model."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels 0/1, shape (n,)."""

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in Keras layer order."""

    def get_state(self) -> dict:
        """Copies of what the next optimizer step depends on, in Keras' terms (weights, slots
        by Keras' names, iterations: :mod:`benchmarks.harness.twin_state`)."""

    def set_state(self, state: dict) -> None:
        """Load a state of :meth:`get_state`'s form (this twin's own, or another twin's)."""

    def train_step(self, X: np.ndarray, y: np.ndarray) -> None:
        """One optimizer step on one batch: X (b, n_features) float32, y (b,)."""


def _blas_threads(threads: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=resolve_threads(threads), user_api="blas")


def _blas_info() -> dict:
    from benchmarks.harness.envinfo import blas_info

    info = blas_info()
    return {**{k: info.get(k) for k in ("blas_library", "blas_kernel", "blas_threads")},
            "openblas_thread_timeout": os.environ.get("OPENBLAS_THREAD_TIMEOUT")}


class ScratchTwin:
    """The NumPy twin: ``scratch`` model + optimizer built from the config's specs, starting
    from ``weights`` (their first kernel's rows give the input width). Trains with float32
    subnormals flushed to zero, as TensorFlow does (see :mod:`scratch.fpmode`)."""

    label = "scratch"
    requires = ("numpy",)
    style = {"ls": "-", "lw": 3.0, "alpha": 0.45, "marker": "o", "color": "#4c6a8a"}
    description = "the from-scratch NumPy twin (scratch/), the readable reference code"
    order = 10

    #: env.json's per-twin settings, named as Keras names them: NumPy runs each op as called
    COMPILE_SETTINGS = {"backend": "numpy", "jit_compile": False, "steps_per_execution": 1}

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        import scratch.optimizers
        import scratch.schedules
        from scratch.models import build_model

        t0 = time.perf_counter()
        self.config = config
        self.batch_size = config.effective_batch_size(n_train)
        spec = _model_spec(config, np.shape(weights[0])[0])
        self.model = build_model(**spec, dtype=np.float32)
        self.model.set_weights(weights)
        class_name, kwargs = config.optimizer_spec()
        lr = scratch.schedules.epoch_schedule(**config.schedule_spec(n_train))
        self.optimizer = getattr(scratch.optimizers, class_name)(learning_rate=lr, **kwargs)
        self.setup_seconds = time.perf_counter() - t0

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        _blas_threads(threads)

    @classmethod
    def runtime_info(cls) -> dict:
        from scratch import fpmode

        return {**_blas_info(), "subnormals": fpmode.means(), **cls.COMPILE_SETTINGS}

    def train_epoch(self, X, y, epoch: int) -> Epoch:
        from scratch.training import train_epoch

        starts: list[float] = []
        t0 = time.perf_counter()
        loss, acc = train_epoch(self.model, self.optimizer, X, y, self.batch_size,
                                step_times=starts)
        end = time.perf_counter()
        return Epoch(float(loss), float(acc), end - t0, step_seconds(starts, end))

    def evaluate(self, X, y) -> tuple[float, float]:
        from scratch.training import evaluate

        loss, acc = evaluate(self.model, X, y)
        return float(loss), float(acc)

    def predict(self, X) -> np.ndarray:
        return np.asarray(self.model.predict(X)).reshape(-1).astype(np.int8)

    def get_weights(self) -> list[np.ndarray]:
        return self.model.get_weights()

    def _slots(self) -> dict:
        return twin_state.scratch_slots(self.model, self.optimizer)

    def get_state(self) -> dict:
        return twin_state.get_arrays(self.model.params, self._slots(), self.optimizer.iterations)

    def set_state(self, state: dict) -> None:
        twin_state.set_arrays(state, self.model.params, self._slots())
        self.optimizer.iterations = int(state["iterations"])

    def train_step(self, X, y) -> None:
        from scratch.training import train_epoch

        train_epoch(self.model, self.optimizer, X, y, len(X))  # one batch: one step

    def traced_peak_mb(self, X, y) -> float:
        """Peak of NumPy's allocations (tracemalloc) over one more epoch, run on a COPY of the
        model and optimizer outside any timed region, so the run's numbers are untouched."""
        from scratch.training import train_epoch

        # copied together, so the copy's optimizer slots follow the copied parameters
        model, optimizer = copy.deepcopy((self.model, self.optimizer))
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            train_epoch(model, optimizer, X, y, self.batch_size)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak / 2**20


class ScratchNumbaTwin(ScratchTwin):
    """The scratch twin with its epoch compiled (:mod:`scratch.compiled`, numba): the same
    model, optimizer and float32 operations, one compiled call per epoch. Compiling happens when
    the worker starts (``startup_seconds`` in env.json, ``compile_seconds`` below), never in an
    epoch. Its step time is the epoch's time over its steps: a compiled epoch has no per-step
    stamps, and next to no fixed cost."""

    label = "scratch (numba)"
    requires = ("numpy", "numba")
    extra = "fast"
    style = {"ls": "-", "lw": 1.2, "alpha": 1.0, "marker": ".", "color": "#16a085"}
    description = "the scratch twin's epoch compiled with numba (scratch/compiled.py)"
    order = 20

    compile_seconds = math.nan
    #: the epoch is one numba-compiled call
    COMPILE_SETTINGS = {"backend": "numpy+numba", "jit_compile": True, "steps_per_execution": 1}

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        from scratch.compiled import CompiledEpoch

        super().__init__(config, weights, n_train)
        t0 = time.perf_counter()
        self.compiled = CompiledEpoch(self.model, self.optimizer)
        self.setup_seconds += time.perf_counter() - t0

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        from scratch.compiled import warm_up

        # compile first: numba's np.dot calls SciPy's BLAS, a library of its own that is loaded
        # only then, and a thread limit covers only the libraries already loaded
        cls.compile_seconds = warm_up()
        _blas_threads(threads)

    @classmethod
    def runtime_info(cls) -> dict:
        import numba
        from threadpoolctl import threadpool_info

        scipy_blas = [i for i in threadpool_info() if i.get("user_api") == "blas"
                      and "scipy" in str(i.get("filepath", "")).lower()]
        numba_blas = {}
        if scipy_blas:  # the BLAS numba's np.dot calls
            b = scipy_blas[0]
            numba_blas = {"numba_blas_kernel": b.get("architecture"),
                          "numba_blas_threads": b.get("num_threads")}
        return {**super().runtime_info(), "numba_version": numba.__version__,
                "compile_seconds": cls.compile_seconds, **numba_blas}

    def train_epoch(self, X, y, epoch: int) -> Epoch:
        from scratch import fpmode

        steps = self.config.steps_per_epoch(len(X))
        t0 = time.perf_counter()
        with fpmode.flush_denormals():
            loss, acc = self.compiled(X, y, self.batch_size)
        seconds = time.perf_counter() - t0
        return Epoch(float(loss), float(acc), seconds, seconds / steps if steps > 1 else math.nan)

    def _slots(self) -> dict:
        return twin_state.compiled_slots(self.model, self.compiled)

    def train_step(self, X, y) -> None:
        from scratch import fpmode

        with fpmode.flush_denormals():
            self.compiled(np.ascontiguousarray(X, np.float32),
                          np.ascontiguousarray(y, np.float32), len(X))
