"""The ``scratch-numba`` twin: the scratch twin with its epoch compiled by numba
(:mod:`scratch.compiled`), the same model, optimizer and float32 operations.
"""

from __future__ import annotations

import math
import time

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.twins import state as twin_state
from benchmarks.twins.interface import Epoch
from benchmarks.twins.scratch_numpy import ScratchTwin
from benchmarks.twins.threads import blas_threads


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
        blas_threads(threads)

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
