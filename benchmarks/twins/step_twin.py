"""A base class for a twin written outside kvsbench: the user writes one optimizer step, the
forward pass and the state; :class:`StepTwin` turns them into the whole twin interface
(:class:`benchmarks.twins.interface.Twin`) — epochs, Keras' running figures, timing, evaluation,
threads — so a course-style network is a twin in a few dozen lines (docs/plugins.md).

A subclass implements, with X (b, n_features) float32 and y (b,) 0/1:

``logits(X)``          the output layer's pre-activations z, shape (b,)
``train_step(X, y)``   one optimizer step on the batch at the rate :meth:`learning_rate`,
                       counting :attr:`iterations`; returns the batch's logits BEFORE the
                       update (Keras' running loss and accuracy are measured then)
``get_state()``        copies of the weights (Keras layer order: kernel (in, out), bias
                       (out,)), the optimizer slots by Keras' names ({name: [array per
                       weight]}) and ``iterations`` (:mod:`benchmarks.twins.state`)
``set_state(state)``   load such a state (another twin's too)

Importing this module imports NumPy and the config only.
"""

from __future__ import annotations

import math
import time

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.twins.interface import Epoch
from benchmarks.twins.threads import blas_runtime_info, blas_threads
from benchmarks.twins.timing import step_seconds


def logits_loss(z: np.ndarray, y: np.ndarray) -> float:
    """Keras' binary cross-entropy from logits, mean over the batch:
    ``max(z, 0) − z·y + log(1 + exp(−|z|))``."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


class StepTwin:
    """What every step-written twin shares. After ``super().__init__``: ``config``,
    ``batch_size``, ``optimizer`` (``"sgd"``, ``"momentum"``, ``"rmsprop"``, ``"adam"``),
    ``hyper`` (Keras' hyperparameters of that optimizer: ``momentum``, ``rho``, ``beta_1``,
    ``beta_2``, ``epsilon``), ``iterations`` (steps taken: the subclass counts them)."""

    #: Keras 3's defaults of its optimizers, by Keras' argument names
    KERAS_DEFAULTS = {"sgd": {}, "momentum": {"momentum": 0.9},
                      "rmsprop": {"rho": 0.9, "epsilon": 1e-7},
                      "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}}

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        from scratch.schedules import epoch_schedule

        self.config = config
        self.batch_size = config.effective_batch_size(n_train)
        self.optimizer = config.optimizer
        self.hyper = {**self.KERAS_DEFAULTS[config.optimizer]}
        if config.optimizer == "momentum":
            self.hyper["momentum"] = config.momentum
        self.schedule = epoch_schedule(**config.schedule_spec(n_train))
        self.iterations = 0
        self.setup_seconds = 0.0

    def learning_rate(self) -> float:
        """The rate of the next step (the schedule at step :attr:`iterations`)."""
        s = self.schedule
        return float(s(self.iterations)) if callable(s) else float(s)

    # ------------------------------------------------------------ what the subclass writes
    def logits(self, X) -> np.ndarray:
        raise NotImplementedError

    def train_step(self, X, y):
        raise NotImplementedError

    def get_state(self) -> dict:
        raise NotImplementedError

    def set_state(self, state: dict) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ the rest of the interface
    @classmethod
    def configure_threads(cls, threads: int) -> None:
        blas_threads(threads)

    @classmethod
    def runtime_info(cls) -> dict:
        return blas_runtime_info()

    def train_epoch(self, X, y, epoch: int) -> Epoch:
        """Epoch ``epoch`` in the data's order, batches of :attr:`batch_size`; loss and accuracy
        are Keras' running means (each batch measured before its update, by batch size)."""
        n, bs = len(X), self.batch_size
        starts, loss_sum, correct = [], 0.0, 0
        t0 = time.perf_counter()
        for i in range(0, n, bs):
            starts.append(time.perf_counter())
            xb, yb = X[i:i + bs], y[i:i + bs]
            z = self.train_step(xb, yb)
            if z is None:
                raise TypeError(f"{type(self).__name__}.train_step must return the batch's "
                                "logits before its update (docs/plugins.md)")
            z = np.asarray(z).reshape(-1)
            loss = logits_loss(z, yb)
            if not math.isfinite(loss):
                end = time.perf_counter()
                return Epoch(math.nan, math.nan, end - t0, step_seconds(starts, end))
            loss_sum += loss * len(xb)
            correct += int(np.sum((z > 0) == (np.asarray(yb) > 0.5)))
        end = time.perf_counter()
        return Epoch(loss_sum / n, correct / n, end - t0, step_seconds(starts, end))

    def get_weights(self) -> list[np.ndarray]:
        return self.get_state()["weights"]

    def evaluate(self, X, y) -> tuple[float, float]:
        z = np.asarray(self.logits(X)).reshape(-1)
        return logits_loss(z, y), float(np.mean((z > 0) == (np.asarray(y) > 0.5)))

    def predict(self, X) -> np.ndarray:
        return (np.asarray(self.logits(X)).reshape(-1) > 0).astype(np.int8)
