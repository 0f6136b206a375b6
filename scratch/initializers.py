"""Weight initializers with Keras 3's formulas (``keras/src/initializers/random_initializers.py``).

Each initializer is ``init(shape, rng, dtype=np.float32) -> ndarray of shape ``shape```` and
draws only from the ``numpy.random.Generator`` it is given. Fans follow Keras'
``compute_fans``: a 2-D kernel of shape (fan_in, fan_out); a 1-D shape (k,) has fan_in =
fan_out = k; a 0-d shape has 1, 1; for more dimensions the leading axes are the receptive field.

=============== ======================================================================
name            distribution
=============== ======================================================================
zeros           all 0
glorot_uniform  U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))
glorot_normal   truncated N(0, s^2) at ±2 s, s = sqrt(2 / (fan_in + fan_out)) / 0.8796...
he_normal       truncated N(0, s^2) at ±2 s, s = sqrt(2 / fan_in) / 0.8796...
=============== ======================================================================

0.87962566103423978 is the standard deviation of a standard normal truncated at ±2; dividing
by it makes the truncated draw have the intended variance (as Keras' ``VarianceScaling``).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "INITIALIZERS",
    "TRUNCATED_NORMAL_STDDEV_CORRECTION",
    "compute_fans",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "truncated_normal",
    "zeros",
]

TRUNCATED_NORMAL_STDDEV_CORRECTION = 0.87962566103423978


def _shape(shape):
    """``shape`` as a tuple of non-negative ints (ValueError otherwise)."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise ValueError(
            f"Argument `shape` must be a tuple of ints. Received: shape={shape!r}"
        ) from None
    if any(d < 0 for d in shape):
        raise ValueError(f"Argument `shape` must hold sizes >= 0. Received: shape={shape}")
    return shape


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            "Argument `rng` must be a numpy.random.Generator "
            f"(e.g. numpy.random.default_rng(0)). Received: rng={rng!r}"
        )


def compute_fans(shape):
    """``(fan_in, fan_out)`` of a weight of shape ``shape``, by Keras' rule (module docstring)."""
    shape = _shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def truncated_normal(shape, rng, stddev, dtype=np.float32):
    """N(0, stddev^2) draws, redrawing any more than 2 stddev from 0 (``stddev`` is that of the
    untruncated normal)."""
    shape = _shape(shape)
    _check_rng(rng)
    values = rng.standard_normal(shape)
    flat = values.reshape(-1)
    outside = np.flatnonzero(np.abs(flat) > 2.0)
    while outside.size:
        flat[outside] = rng.standard_normal(outside.size)
        outside = outside[np.abs(flat[outside]) > 2.0]
    return (values * stddev).astype(dtype, copy=False)


def zeros(shape, rng=None, dtype=np.float32):
    """Keras' default bias initializer; ``rng`` is accepted, for the common signature."""
    return np.zeros(_shape(shape), dtype=dtype)


def glorot_uniform(shape, rng, dtype=np.float32):
    shape = _shape(shape)
    _check_rng(rng)
    fan_in, fan_out = compute_fans(shape)
    limit = math.sqrt(3.0 / max(1.0, (fan_in + fan_out) / 2.0))  # = sqrt(6 / (in + out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype, copy=False)


def glorot_normal(shape, rng, dtype=np.float32):
    fan_in, fan_out = compute_fans(shape)
    n = max(1.0, (fan_in + fan_out) / 2.0)
    stddev = math.sqrt(1.0 / n) / TRUNCATED_NORMAL_STDDEV_CORRECTION
    return truncated_normal(shape, rng, stddev, dtype)


def he_normal(shape, rng, dtype=np.float32):
    fan_in, _ = compute_fans(shape)
    stddev = math.sqrt(2.0 / max(1.0, fan_in)) / TRUNCATED_NORMAL_STDDEV_CORRECTION
    return truncated_normal(shape, rng, stddev, dtype)


INITIALIZERS = {
    "zeros": zeros,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
}


def get(name):
    """The initializer called ``name`` (any case), else ValueError listing the names."""
    key = name.lower() if isinstance(name, str) else name
    if key not in INITIALIZERS:
        raise ValueError(
            f"Argument `init` must be one of {sorted(INITIALIZERS)}. Received: init={name!r}"
        )
    return INITIALIZERS[key]
