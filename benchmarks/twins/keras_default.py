"""The Keras twins at ``compile()``'s defaults: tf.keras (``keras_models/``) trained through
Keras' own ``fit`` as its users run it (``keras``), and the same class on Keras' JAX and PyTorch
backends (``keras-jax``, ``keras-torch``: another ``KERAS_BACKEND`` in its worker). The twins
tuned for speed are in :mod:`benchmarks.twins.keras_tuned`.

Imported in the parent to read the classes' attributes, and in each twin's worker process to
train it: Keras itself is imported inside the methods only.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.twins import state as twin_state
from benchmarks.twins.draws import model_spec
from benchmarks.twins.interface import Epoch
from benchmarks.twins.threads import blas_runtime_info, blas_threads, resolve_threads
from benchmarks.twins.timing import mean_step_seconds, step_seconds


class KerasTwin:
    """The Keras twin, trained through Keras' real ``fit`` one epoch per call
    (``initial_epoch=k, epochs=k+1, shuffle=False``) on the runner's reordered data, on the
    backend its worker was started with (``KERAS_BACKEND`` from :attr:`env`: ``keras-jax``
    and ``keras-torch`` are this class on another backend)."""

    label = "Keras"
    requires = ("tensorflow", "keras")
    env = {"KERAS_BACKEND": "tensorflow"}
    style = {"ls": "--", "lw": 1.4, "alpha": 1.0, "marker": "x", "color": "#1b1f24"}
    description = "tf.keras (keras_models/) trained through Keras' own fit"
    order = 30

    #: Keras' compile options for this twin: ``compile()``'s own defaults, so each backend runs
    #: as its users run it ("auto" → True on JAX; False on TensorFlow without a GPU and on
    #: PyTorch). Resolved per process by :meth:`compile_settings` (env.json);
    #: the twins of :mod:`benchmarks.twins.keras_tuned` tune them
    JIT_COMPILE = "auto"
    STEPS_PER_EXECUTION = 1
    #: TensorFlow's op determinism (Keras turns XLA off when it is on)
    OP_DETERMINISM = True

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        from keras_models._backend import seed_everything
        from keras_models.callbacks import EpochTimer
        from keras_models.models import build_model
        from keras_models.optimizers import build_optimizer, epoch_schedule

        t0 = time.perf_counter()
        seed_everything(config.seed, op_determinism=self.OP_DETERMINISM)
        self.config = config
        self.batch_size = config.effective_batch_size(n_train)
        self.model = build_model(**model_spec(config, np.shape(weights[0])[0]))
        self.model.set_weights(weights)
        class_name, kwargs = config.optimizer_spec()
        lr = epoch_schedule(**config.schedule_spec(n_train))
        self.model.compile(
            optimizer=build_optimizer(class_name, {"learning_rate": lr, **kwargs}),
            loss="binary_crossentropy",
            metrics=["accuracy"],
            jit_compile=self.JIT_COMPILE,
            steps_per_execution=self.STEPS_PER_EXECUTION,
        )
        #: what Keras made of the options for this model (``compile_settings`` for the process)
        self.resolved = {"jit_compile": bool(self.model.jit_compile),
                         "steps_per_execution": int(self.model.steps_per_execution)}
        self._timer = EpochTimer()
        #: JAX dispatches steps asynchronously: a step's start says when it was queued
        from keras_models._backend import backend_name

        self._async_steps = backend_name() == "jax"
        #: building and compiling, plus the time ``fit`` spends outside its epochs
        self.setup_seconds = time.perf_counter() - t0

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        from keras_models._backend import set_threads

        blas_threads(threads)
        set_threads(resolve_threads(threads))

    @classmethod
    def runtime_info(cls) -> dict:
        from keras_models._backend import thread_info

        return {**blas_runtime_info(), **thread_info(), **cls.compile_settings()}

    @classmethod
    def compile_settings(cls) -> dict:
        """``jit_compile`` and ``steps_per_execution`` as Keras resolves this twin's options in
        this process: a probe of the twins' layers (Dense, relu, sigmoid) compiled with them,
        after the twin's op-determinism setting (which makes Keras drop XLA on TensorFlow)."""
        from keras_models._backend import backend_name, seed_everything
        from keras_models.models import build_model

        seed_everything(0, op_determinism=cls.OP_DETERMINISM)
        probe = build_model("mlp", n_features=2, hidden_units=2)
        probe.compile(optimizer="sgd", loss="binary_crossentropy",
                      jit_compile=cls.JIT_COMPILE, steps_per_execution=cls.STEPS_PER_EXECUTION)
        return {"backend": backend_name(), "jit_compile": bool(probe.jit_compile),
                "steps_per_execution": int(probe.steps_per_execution)}

    def train_epoch(self, X, y, epoch: int) -> Epoch:
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
        timer = self._timer
        seconds = timer.epoch_seconds[-1]
        self.setup_seconds += total - seconds
        logs = history.history
        if self._async_steps:
            step = mean_step_seconds(timer.step_starts, timer.epoch_end,
                                     self.config.steps_per_epoch(len(X)), self.STEPS_PER_EXECUTION)
        else:
            step = step_seconds(timer.step_starts, timer.epoch_end, self.STEPS_PER_EXECUTION)
        return Epoch(float(logs["loss"][-1]), float(logs["accuracy"][-1]), seconds, step)

    def evaluate(self, X, y) -> tuple[float, float]:
        out = self.model.evaluate(X, y, batch_size=len(X), verbose=0, return_dict=True)
        return float(out["loss"]), float(out["accuracy"])

    def predict(self, X) -> np.ndarray:
        from keras_models._backend import keras_module

        proba = keras_module().ops.convert_to_numpy(self.model(X, training=False)).reshape(-1)
        return (proba > 0.5).astype(np.int8)

    def get_weights(self) -> list[np.ndarray]:
        return [np.asarray(w) for w in self.model.get_weights()]

    def get_state(self) -> dict:
        return twin_state.keras_get_state(self.model)

    def set_state(self, state: dict) -> None:
        twin_state.keras_set_state(self.model, state)

    def train_step(self, X, y) -> None:
        self.model.train_on_batch(X, y)  # Keras' own train function, as fit runs it


_CLIPPED_BCE = ("on this backend Keras computes binary cross-entropy from probabilities "
                "clipped to [1e-7, 1 − 1e-7], on TensorFlow (and scratch) from the logits: they "
                "differ once predictions saturate")


class KerasJaxTwin(KerasTwin):
    """The same keras_models code on Keras' JAX backend."""

    label = "Keras (JAX)"
    requires = ("keras", "jax")
    extra = "jax"
    env = {"KERAS_BACKEND": "jax"}
    style = {"ls": ":", "lw": 2.0, "alpha": 0.9, "marker": "^", "color": "#27ae60"}
    description = ("the same keras_models code on Keras' JAX backend, compile()'s defaults "
                   "(jit_compile resolves to True there)")
    rule_notes = {"*": _CLIPPED_BCE}
    order = 60



class KerasTorchTwin(KerasTwin):
    """The same keras_models code on Keras' PyTorch backend."""

    label = "Keras (PyTorch)"
    requires = ("keras", "torch")
    extra = "torch"
    env = {"KERAS_BACKEND": "torch"}
    style = {"ls": (0, (5, 1, 1, 1)), "lw": 1.6, "alpha": 0.9, "marker": "v",
             "color": "#8e44ad"}
    description = "the same keras_models code on Keras' PyTorch backend"
    rule_notes = {"*": _CLIPPED_BCE}
    order = 70
