"""What a twin is: the interface (:class:`Twin`) every implementation kvsbench trains keeps,
and what one epoch of it gives (:class:`Epoch`).

A twin is built from ONE config and the experiment's initial weights
(:func:`benchmarks.twins.draws.initial_weights`), and then trains one epoch at a time on data
already in that epoch's batch order (:func:`benchmarks.twins.draws.epoch_orders`), so the
runner can drive every twin in lockstep. Each twin lives in a worker process of its own
(:mod:`benchmarks.harness.worker`): the class is imported there, its libraries with it, and
:meth:`Twin.configure_threads` runs before it trains. A new twin is one class with these
methods and its metadata (label, libraries, ...) as class attributes, declared under the
``kvsbench.twins`` entry-point group (:mod:`benchmarks.twins.registry`, docs/plugins.md); how
its libraries are set up for the run (``jit_compile``, ``steps_per_execution`` …) it states in
its class attribute ``COMPILE_SETTINGS`` or its ``runtime_info`` (env.json).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from benchmarks.config import ExperimentConfig


@dataclass
class Epoch:
    """What one twin's epoch gave: Keras-way running means, and its times (seconds)."""

    loss: float
    accuracy: float
    seconds: float
    #: median time of one optimizer step (see :mod:`benchmarks.twins.timing`)
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
        by Keras' names, iterations: :mod:`benchmarks.twins.state`)."""

    def set_state(self, state: dict) -> None:
        """Load a state of :meth:`get_state`'s form (this twin's own, or another twin's)."""

    def train_step(self, X: np.ndarray, y: np.ndarray) -> None:
        """One optimizer step on one batch: X (b, n_features) float32, y (b,)."""
