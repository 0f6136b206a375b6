"""The two twins of one experiment behind one small interface, built from ONE config.

``build_twins(config, n_train)`` draws the initial weights once (scratch initialisers, seeded
by ``config.seed``) and loads the same arrays into every twin it builds. Each twin then trains
one epoch at a time on data the runner has already put in that epoch's batch order, so the
runner can alternate them epoch by epoch.
"""

from __future__ import annotations

import copy
import time
import tracemalloc

import numpy as np

import scratch.optimizers
import scratch.schedules
from benchmarks.config import ExperimentConfig
from scratch.mlp import build_model as build_scratch_model
from scratch.training import evaluate as scratch_evaluate
from scratch.training import train_epoch as scratch_train_epoch


def _model_spec(config: ExperimentConfig, n_features: int) -> dict:
    """The config's model spec for inputs of ``n_features`` (784 for Fashion-MNIST)."""
    return {**config.model_spec(), "n_features": int(n_features)}


def initial_weights(config: ExperimentConfig, n_features: int = 784) -> list[np.ndarray]:
    """Draw the experiment's initial weights once, in Keras layer order (float32).

    Kernels from ``config.init`` with ``numpy.random.default_rng([seed, 0])``; biases zero.
    """
    model = build_scratch_model(**_model_spec(config, n_features), dtype=np.float32)
    model.initialize(config.init, rng=np.random.default_rng([config.seed, 0]))
    return model.get_weights()


def epoch_orders(config: ExperimentConfig, n_train: int) -> list[np.ndarray]:
    """The batch order of every epoch, drawn once for both twins (``default_rng([seed, 1])``)."""
    rng = np.random.default_rng([config.seed, 1])
    return [rng.permutation(n_train) for _ in range(config.epochs)]


class ScratchTwin:
    """The NumPy twin: ``scratch`` model + optimizer built from the config's specs, starting
    from ``weights`` (their first kernel's rows give the input width)."""

    impl = "scratch"

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        self.config = config
        self.batch_size = config.effective_batch_size(n_train)
        spec = _model_spec(config, np.shape(weights[0])[0])
        self.model = build_scratch_model(**spec, dtype=np.float32)
        self.model.set_weights(weights)
        class_name, kwargs = config.optimizer_spec()
        lr = scratch.schedules.epoch_schedule(**config.schedule_spec(n_train))
        self.optimizer = getattr(scratch.optimizers, class_name)(learning_rate=lr, **kwargs)
        self.setup_seconds = 0.0

    def train_epoch(self, X, y, epoch: int) -> tuple[float, float, float]:
        """Train one epoch on (X, y), already in batch order → (loss, accuracy, seconds)."""
        t0 = time.perf_counter()
        loss, acc = scratch_train_epoch(self.model, self.optimizer, X, y, self.batch_size)
        return float(loss), float(acc), time.perf_counter() - t0

    def evaluate(self, X, y) -> tuple[float, float]:
        loss, acc = scratch_evaluate(self.model, X, y)
        return float(loss), float(acc)

    def predict(self, X) -> np.ndarray:
        return np.asarray(self.model.predict(X)).reshape(-1)

    def get_weights(self) -> list[np.ndarray]:
        return self.model.get_weights()

    def traced_peak_mb(self, X, y) -> float:
        """Peak of NumPy's allocations (tracemalloc) over one more epoch, run on a COPY of the
        model and optimizer outside any timed region, so the run's numbers are untouched."""
        # copied together, so the copy's optimizer slots follow the copied parameters
        model, optimizer = copy.deepcopy((self.model, self.optimizer))
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            scratch_train_epoch(model, optimizer, X, y, self.batch_size)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak / 2**20


class KerasTwin:
    """The tf.keras twin, trained through Keras' real ``fit`` one epoch per call
    (``initial_epoch=k, epochs=k+1, shuffle=False``) on the runner's reordered data."""

    impl = "keras"

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        from keras_models._backend import seed_everything
        from keras_models.callbacks import EpochTimer
        from keras_models.mlp import build_model
        from keras_models.optimizers import build_optimizer, epoch_schedule

        seed_everything(config.seed)
        self.config = config
        self.batch_size = config.effective_batch_size(n_train)
        self.model = build_model(**_model_spec(config, np.shape(weights[0])[0]))
        self.model.set_weights(weights)
        class_name, kwargs = config.optimizer_spec()
        lr = epoch_schedule(**config.schedule_spec(n_train))
        self.model.compile(
            optimizer=build_optimizer(class_name, {"learning_rate": lr, **kwargs}),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
        self._timer = EpochTimer()
        #: time ``fit`` spends outside its epochs (data adapter, callbacks), summed over calls
        self.setup_seconds = 0.0

    def train_epoch(self, X, y, epoch: int) -> tuple[float, float, float]:
        t0 = time.perf_counter()
        history = self.model.fit(
            X,
            y,
            batch_size=self.batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=0,
            callbacks=[self._timer],
        )
        total = time.perf_counter() - t0
        seconds = self._timer.epoch_seconds[-1]
        self.setup_seconds += total - seconds
        logs = history.history
        return float(logs["loss"][-1]), float(logs["accuracy"][-1]), seconds

    def evaluate(self, X, y) -> tuple[float, float]:
        out = self.model.evaluate(X, y, batch_size=len(X), verbose=0, return_dict=True)
        return float(out["loss"]), float(out["accuracy"])

    def predict(self, X) -> np.ndarray:
        proba = np.asarray(self.model(X, training=False)).reshape(-1)
        return (proba > 0.5).astype(np.int8)

    def get_weights(self) -> list[np.ndarray]:
        return [np.asarray(w) for w in self.model.get_weights()]


TWIN_CLASSES = {"scratch": ScratchTwin, "keras": KerasTwin}


def build_twins(
    config: ExperimentConfig, n_train: int, impls=("scratch", "keras"), n_features: int = 784
) -> dict:
    """Build the requested twins of ``config``, all starting from the same initial weights."""
    weights = initial_weights(config, n_features)
    return {impl: TWIN_CLASSES[impl](config, weights, n_train) for impl in impls}
