"""Keras callbacks the harness times and watches Keras' own ``fit`` with."""

from __future__ import annotations

import time

from keras_models._backend import keras_module

keras = keras_module()


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch inside ``fit``, from ``on_epoch_begin`` to ``on_epoch_end``
    (``time.perf_counter``), so ``fit``'s own set-up (data adapter, callbacks) stays apart.

    Attributes
    ----------
    epoch_seconds : list of float
        One entry per epoch run by the ``fit`` calls this timer was passed to.
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds: list[float] = []
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._t0)
