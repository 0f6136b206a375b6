"""The course's ``seed`` split protocol: one seeded permutation cut into train, test, validation.

``perm = numpy.random.RandomState(seed).permutation(n)`` is the permutation the course drew
with ``np.random.seed(seed); np.random.permutation(n)``, without touching NumPy's global state.
It is cut in order: the first ``floor(n (1 - test_size - validation_size))`` indices train, the
next ``floor(n test_size)`` test, the rest validation (n = 1462 gives 877 / 292 / 293).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["split_indices"]

_FLOAT_SLACK = 1e-9  # so that e.g. 10 * (1 - 0.1 - 0.2) = 6.999... still gives 7


def _check_fraction(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(f"Argument `{name}` must be a float in [0, 1). Received: {name}={value}")
    return float(value)


def split_indices(n, test_size=0.2, validation_size=0.2, seed=42):
    """``(train_idx, test_idx, val_idx)`` of ``n`` samples, cut from the permutation as the
    module docstring says."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
        raise ValueError(f"Argument `n` must be an integer >= 0. Received: n={n!r}")
    test_size = _check_fraction(test_size, "test_size")
    validation_size = _check_fraction(validation_size, "validation_size")
    if test_size + validation_size >= 1:
        raise ValueError(
            "Arguments `test_size` + `validation_size` must be < 1. "
            f"Received: test_size={test_size}, validation_size={validation_size}"
        )
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
    perm = np.random.RandomState(seed).permutation(n)
    n_train = math.floor(n * (1.0 - test_size - validation_size) + _FLOAT_SLACK)
    n_test = math.floor(n * test_size + _FLOAT_SLACK)
    return perm[:n_train], perm[n_train : n_train + n_test], perm[n_train + n_test :]
