"""Keras callbacks the harness times and watches Keras' own ``fit`` with."""

from __future__ import annotations

import time

from keras_models._backend import keras_module

keras = keras_module()


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch inside ``fit``, from ``on_epoch_begin`` to ``on_epoch_end``
    (``time.perf_counter``), so ``fit``'s own set-up (data adapter, callbacks) stays apart;
    and the start of every step, so an epoch can be split into a per-step and a fixed cost.

    Only ``on_train_batch_begin`` is hooked: a callback with its own ``on_train_batch_end``
    would make Keras turn every step's logs into Python floats synchronously, which is not
    the ``fit`` a user runs.

    Attributes
    ----------
    epoch_seconds : list of float
        One entry per epoch run by the ``fit`` calls this timer was passed to.
    step_starts : list of float
        ``perf_counter`` at the start of each step of the latest epoch.
    epoch_end : float
        ``perf_counter`` at the end of the latest epoch.
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds: list[float] = []
        self.step_starts: list[float] = []
        self.epoch_end = 0.0
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.step_starts = []
        self._t0 = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        self.step_starts.append(time.perf_counter())

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_end = time.perf_counter()
        self.epoch_seconds.append(self.epoch_end - self._t0)
