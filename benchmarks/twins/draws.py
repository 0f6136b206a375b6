"""What every twin of an experiment shares, drawn once from the config's seed: the initial
weights (Keras layer order) and the batch order of each epoch. The runner (and the suites, the
check battery) draws the weights once and sends the same arrays to every twin's worker; each
worker draws the same batch orders from the seed. So all twins start from the same weights
and see the same batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from benchmarks.config import ExperimentConfig


def model_spec(config: ExperimentConfig, n_features: int) -> dict:
    """The config's model spec for inputs of ``n_features`` (784 for Fashion-MNIST)."""
    return {**config.model_spec(), "n_features": int(n_features)}


def initial_weights(config: ExperimentConfig, n_features: int = 784) -> list[np.ndarray]:
    """Draw the experiment's initial weights once, in Keras layer order (float32).

    Kernels from ``config.init`` with ``numpy.random.default_rng([seed, 0])``; biases zero.
    """
    from scratch.models import build_model

    model = build_model(**model_spec(config, n_features), dtype=np.float32)
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

    def batch_rows(self, epoch: int, index: int, batch_size: int) -> np.ndarray:
        """The rows of batch ``index`` of epoch ``epoch`` (the last batch may be short): what
        a twin's worker trains on there, and what the step check judges that step by."""
        return self[epoch][index * batch_size:(index + 1) * batch_size]

