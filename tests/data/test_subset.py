"""The data layer on the real offline subset (../shared/fashion-mnist-subset: 7000 train + 1226
"t10k" images, both taken from the official TRAINING set). Skipped without FASHION_MNIST_DIR.

Expected figures were counted on the subset's labels: Trouser (1) and Ankle boot (9) have
1462 training images, 708 of them Ankle boot, and 239 "t10k" images.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import benchmarks.data.files as data
from benchmarks.data import DataSource, all_pairs, clear_cache, load_fashion_mnist, load_pair


def keras_style_read(path, offset):
    """What keras.datasets.fashion_mnist.load_data() does with each file (Keras 3.x)."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def test_loads_like_keras_load_data(fashion_dir):
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(fashion_dir)
    assert x_train.shape == (7000, 28, 28) and y_train.shape == (7000,)
    assert x_test.shape == (1226, 28, 28) and y_test.shape == (1226,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    for part, images, labels in (("train", x_train, y_train), ("t10k", x_test, y_test)):
        np.testing.assert_array_equal(
            labels, keras_style_read(fashion_dir / f"{part}-labels-idx1-ubyte.gz", 8)
        )
        np.testing.assert_array_equal(
            images.ravel(), keras_style_read(fashion_dir / f"{part}-images-idx3-ubyte.gz", 16)
        )


def test_source_is_recorded(fashion_dir, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(fashion_dir))
    _, source = data.load_fashion_mnist_with_source()
    assert source == DataSource("env", fashion_dir.resolve())
    assert load_pair(1, 9).source == f"FASHION_MNIST_DIR {fashion_dir.resolve()}"


def test_trouser_vs_ankle_boot_seed_protocol(fashion_dir):
    pair = load_pair("trouser", "ankle-boot", protocol="seed", data_dir=fashion_dir)
    assert pair.sizes == {"train": 877, "test": 292, "val": 293}  # of 1462: 60/20/rest
    labels = np.concatenate([pair.y_train, pair.y_test, pair.y_val])
    assert labels.sum() == 708  # Ankle boots (label 1) among the 1462
    for X in (pair.X_train, pair.X_val, pair.X_test):
        assert X.dtype == np.float32 and X.shape[1] == 784 and X.flags.c_contiguous
        assert X.min() == 0.0 and X.max() == 1.0


def test_trouser_vs_ankle_boot_official_protocol(fashion_dir):
    pair = load_pair(1, 9, protocol="official", data_dir=fashion_dir)
    _, (_, y_test) = load_fashion_mnist(fashion_dir)
    assert pair.sizes == {"train": 1170, "val": 292, "test": 239}
    assert np.isin(y_test, (1, 9)).sum() == 239
    assert pair.y_test.sum() == (y_test == 9).sum()


@pytest.mark.parametrize("protocol", ["seed", "official"])
def test_bit_identical_across_calls_with_the_cache_cleared(fashion_dir, protocol):
    clear_cache()
    first = load_pair(1, 9, protocol=protocol, data_dir=fashion_dir)
    clear_cache()
    second = load_pair(1, 9, protocol=protocol, data_dir=fashion_dir)
    for field in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
        assert getattr(first, field).tobytes() == getattr(second, field).tobytes()


def test_a_45_pair_sweep_reads_the_files_once(fashion_dir, monkeypatch):
    reads = []
    real = data.load_idx_pair
    monkeypatch.setattr(data, "load_idx_pair", lambda *paths: reads.append(paths) or real(*paths))
    clear_cache()
    totals = {}
    for a, b in all_pairs():
        pair = load_pair(a, b, protocol="official", data_dir=fashion_dir)
        totals[(a, b)] = sum(pair.sizes.values())
    assert len(reads) == 2  # the train pair of files and the t10k pair, once each
    assert len(totals) == 45 and min(totals.values()) > 1500
