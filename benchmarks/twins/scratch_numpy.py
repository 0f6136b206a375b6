"""The ``scratch`` twin: the from-scratch NumPy model and optimizer (``scratch/``), the readable
reference code, trained one epoch per call on the runner's batches (docs/twins.md).
"""

from __future__ import annotations

import copy
import time
import tracemalloc

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.twins import state as twin_state
from benchmarks.twins.draws import model_spec
from benchmarks.twins.interface import Epoch
from benchmarks.twins.threads import blas_runtime_info, blas_threads
from benchmarks.twins.timing import step_seconds


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
        spec = model_spec(config, np.shape(weights[0])[0])
        self.model = build_model(**spec, dtype=np.float32)
        self.model.set_weights(weights)
        class_name, kwargs = config.optimizer_spec()
        lr = scratch.schedules.epoch_schedule(**config.schedule_spec(n_train))
        self.optimizer = getattr(scratch.optimizers, class_name)(learning_rate=lr, **kwargs)
        self.setup_seconds = time.perf_counter() - t0

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        blas_threads(threads)

    @classmethod
    def runtime_info(cls) -> dict:
        from scratch import fpmode

        return {**blas_runtime_info(), "subnormals": fpmode.means(), **cls.COMPILE_SETTINGS}

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

