"""Initializers: Keras' formulas (limits, truncation, variance), determinism and errors."""

import math

import numpy as np
import pytest

from scratch import initializers
from scratch.initializers import (
    INITIALIZERS,
    compute_fans,
    glorot_normal,
    glorot_uniform,
    he_normal,
    zeros,
)

SHAPE = (784, 100)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_compute_fans_follows_keras():
    assert compute_fans((784, 100)) == (784, 100)
    assert compute_fans((100,)) == (100, 100)
    assert compute_fans(()) == (1, 1)
    assert compute_fans((3, 3, 16, 32)) == (9 * 16, 9 * 32)


def test_zeros():
    w = zeros((3, 2))
    assert w.shape == (3, 2) and w.dtype == np.float32 and not w.any()
    assert zeros((2,), dtype=np.float64).dtype == np.float64


def test_glorot_uniform_limit_and_variance():
    w = glorot_uniform(SHAPE, rng())
    limit = math.sqrt(6 / (784 + 100))  # 0.08238...
    assert w.shape == SHAPE and w.dtype == np.float32
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit  # fills the interval
    assert w.mean() == pytest.approx(0.0, abs=0.002)
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


def test_glorot_normal_is_truncated_with_keras_stddev():
    w = glorot_normal(SHAPE, rng(), dtype=np.float64)
    stddev = math.sqrt(2 / (784 + 100)) / 0.87962566103423978
    assert w.dtype == np.float64
    assert np.abs(w).max() <= 2 * stddev
    assert np.abs(w).max() > 1.95 * stddev
    # the 0.8796 correction makes the truncated draw's std the Glorot one
    assert w.std() == pytest.approx(math.sqrt(2 / (784 + 100)), rel=0.02)


def test_he_normal_is_truncated_with_keras_stddev():
    w = he_normal(SHAPE, rng())
    stddev = math.sqrt(2 / 784) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * stddev * (1 + 1e-6)
    assert w.std() == pytest.approx(math.sqrt(2 / 784), rel=0.02)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal"])
def test_same_generator_seed_same_weights(name):
    init = initializers.get(name)
    np.testing.assert_array_equal(init((5, 4), rng(7)), init((5, 4), rng(7)))
    assert not np.array_equal(init((5, 4), rng(7)), init((5, 4), rng(8)))


def test_get_and_errors():
    assert set(INITIALIZERS) == {"zeros", "glorot_uniform", "glorot_normal", "he_normal"}
    assert initializers.get("Glorot_Uniform") is glorot_uniform
    with pytest.raises(ValueError, match=r"must be one of \['glorot_normal', .*'zeros'\]"):
        initializers.get("orthogonal")
    with pytest.raises(ValueError, match="`rng` must be a numpy.random.Generator"):
        glorot_uniform((2, 2), 0)
    with pytest.raises(ValueError, match="`shape`"):
        zeros((2, -1))


def test_statistics_match_keras_initializers():
    keras = pytest.importorskip("keras")
    classes = {
        "glorot_uniform": keras.initializers.GlorotUniform,
        "glorot_normal": keras.initializers.GlorotNormal,
        "he_normal": keras.initializers.HeNormal,
    }
    for name, cls in classes.items():
        theirs = np.asarray(cls(seed=1)(SHAPE))
        ours = initializers.get(name)(SHAPE, rng(1))
        assert ours.std() == pytest.approx(theirs.std(), rel=0.03), name
        assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.03), name
