"""Keras optimizers and per-epoch learning-rate schedules, built from the same specs as the
scratch twin's (``scratch.optimizers`` / ``scratch.schedules`` use the same names)."""

from __future__ import annotations

from keras_models._backend import keras_module
from scratch.optimizers import TWIN_OPTIMIZERS

#: the Keras classes kvsbench's optimizer names build (scratch.optimizers has their twins)
KERAS_CLASSES = tuple(dict.fromkeys(class_name for class_name, _ in TWIN_OPTIMIZERS.values()))


def epoch_schedule(name, learning_rate, steps_per_epoch, decay_rate=1.0, interval_epochs=1):
    """Keras' twin of ``scratch.schedules.epoch_schedule``.

    "constant" → ``learning_rate``; "inverse_time" → lr0 / (1 + rate·epoch);
    "staircase" → lr0 / (1 + rate·floor(epoch / interval)), both as Keras'
    ``InverseTimeDecay`` of the optimizer step with ``staircase=True``, so the rate changes
    only at epoch boundaries.
    """
    keras = keras_module()
    if name == "constant":
        return float(learning_rate)
    decay_steps = {"inverse_time": steps_per_epoch, "staircase": steps_per_epoch * interval_epochs}
    if name not in decay_steps:
        raise ValueError(
            "Argument `schedule` must be one of ('constant', 'inverse_time', 'staircase'). "
            f"Received: schedule={name!r}"
        )
    return keras.optimizers.schedules.InverseTimeDecay(
        initial_learning_rate=float(learning_rate),
        decay_steps=int(decay_steps[name]),
        decay_rate=float(decay_rate),
        staircase=True,
    )


def build_optimizer(class_name: str, kwargs: dict):
    """Instantiate ``keras.optimizers.<class_name>(**kwargs)``, one of ``KERAS_CLASSES``."""
    keras = keras_module()
    if class_name not in KERAS_CLASSES:
        raise ValueError(f"No Keras twin for optimizer class {class_name!r}.")
    return getattr(keras.optimizers, class_name)(**kwargs)
