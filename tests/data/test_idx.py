"""The IDX reader (every corruption is one clear DataError) and where Fashion-MNIST is found.

No test here touches the network: files are tiny ones written by the tests, and the download
host probe / Keras' get_file are replaced (see the `no_fashion_env` fixture).
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import benchmarks.data.files as data
from benchmarks.data import (
    DataError,
    DataSource,
    clear_cache,
    load_fashion_mnist,
    load_fashion_mnist_with_source,
    resolve_data_dir,
)
from benchmarks.data.idx import IMAGES_MAGIC, LABELS_MAGIC, load_idx_pair, read_idx, write_idx

RNG = np.random.RandomState(0)
IMAGES = RNG.randint(0, 256, size=(4, 28, 28)).astype(np.uint8)
LABELS = np.array([0, 9, 3, 1], dtype=np.uint8)


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file's raw bytes, optionally with a forged magic number."""
    magic = 0x0800 | array.ndim if magic is None else magic
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write(path: Path, payload: bytes, compress: bool) -> Path:
    path.write_bytes(gzip.compress(payload, mtime=0) if compress else payload)
    return path


def assert_good_message(exc: pytest.ExceptionInfo, path: Path, *words: str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    assert str(path) in message
    assert "FASHION_MNIST_DIR" in message  # says what to do
    for word in words:
        assert word in message


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_round_trip_images_and_labels(tmp_path, compress):
    images = write_idx(tmp_path / "images", IMAGES, gzip=compress)
    labels = write_idx(tmp_path / "labels", LABELS, gzip=compress)
    assert (images.read_bytes()[:2] == b"\x1f\x8b") is compress

    got_images, got_labels = load_idx_pair(images, labels)

    np.testing.assert_array_equal(got_images, IMAGES)
    np.testing.assert_array_equal(got_labels, LABELS)
    assert got_images.dtype == np.uint8 and got_images.shape == (4, 28, 28)
    assert got_labels.dtype == np.uint8 and got_labels.shape == (4,)
    assert not got_images.flags.writeable


def test_header_is_the_standard_idx_layout(tmp_path):
    path = write_idx(tmp_path / "labels", LABELS, gzip=False)
    assert path.read_bytes() == idx_bytes(LABELS, LABELS_MAGIC)
    path = write_idx(tmp_path / "images", IMAGES, gzip=False)
    assert path.read_bytes()[:16] == struct.pack(">4I", IMAGES_MAGIC, 4, 28, 28)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    raw_named_gz = write(tmp_path / "raw.gz", idx_bytes(LABELS), compress=False)
    gz_named_raw = write(tmp_path / "labels-idx1-ubyte", idx_bytes(LABELS), compress=True)
    np.testing.assert_array_equal(read_idx(raw_named_gz, LABELS_MAGIC), LABELS)
    np.testing.assert_array_equal(read_idx(gz_named_raw, LABELS_MAGIC), LABELS)


def test_generic_read_accepts_any_uint8_shape(tmp_path):
    cube = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "cube", cube)), cube)


# ----------------------------------------------------------------------------- corruptions


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
@pytest.mark.parametrize("magic", [0x12345678, 0x00000903, 0x00000D03, 0x01000803], ids=hex)
def test_bad_magic_number(tmp_path, compress, magic):
    path = write(tmp_path / "bad", idx_bytes(IMAGES, magic), compress)
    with pytest.raises(DataError, match="bad magic number") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path)


def test_labels_file_given_as_images_is_refused(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(LABELS), compress=True)
    with pytest.raises(DataError, match="1 dimension") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path, "2051")


def test_wrong_number_of_dimensions(tmp_path):
    flat = IMAGES.reshape(4, 784)  # 2-D: magic 2050
    path = write(tmp_path / "flat", idx_bytes(flat), compress=True)
    with pytest.raises(DataError, match="2 dimension") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path)


def test_images_must_be_28_by_28(tmp_path):
    path = write_idx(tmp_path / "small", np.zeros((2, 27, 28), np.uint8))
    with pytest.raises(DataError, match="27x28") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_truncated_payload(tmp_path, compress):
    path = write(tmp_path / "short", idx_bytes(IMAGES)[:-100], compress)
    with pytest.raises(DataError, match="truncated") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path, "3136 bytes", "3036")


def test_truncated_header(tmp_path):
    path = write(tmp_path / "header", idx_bytes(IMAGES)[:10], compress=False)
    with pytest.raises(DataError, match="truncated header") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path)


@pytest.mark.parametrize("size", [0, 3])
def test_too_short_for_a_magic_number(tmp_path, size):
    path = write(tmp_path / "stub", b"\x00" * size, compress=False)
    with pytest.raises(DataError, match="truncated") as exc:
        read_idx(path)
    assert_good_message(exc, path)


def test_truncated_gzip_stream(tmp_path):
    whole = gzip.compress(idx_bytes(IMAGES), mtime=0)
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="truncated gzip") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path)


def test_corrupted_gzip_stream(tmp_path):
    whole = bytearray(gzip.compress(idx_bytes(IMAGES), mtime=0))
    whole[-6] ^= 0xFF  # inside the CRC-32 trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(whole))
    with pytest.raises(DataError, match="corrupted gzip") as exc:
        read_idx(path, IMAGES_MAGIC)
    assert_good_message(exc, path)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_trailing_bytes(tmp_path, compress):
    path = write(tmp_path / "long", idx_bytes(LABELS) + b"\x00\x07", compress)
    with pytest.raises(DataError, match="2 trailing bytes") as exc:
        read_idx(path, LABELS_MAGIC)
    assert_good_message(exc, path)


def test_counts_disagree_between_images_and_labels(tmp_path):
    images = write_idx(tmp_path / "images", IMAGES)
    labels = write_idx(tmp_path / "labels", LABELS[:3])
    with pytest.raises(DataError, match="4 images but .* 3 labels") as exc:
        load_idx_pair(images, labels)
    assert_good_message(exc, images)
    assert str(labels) in str(exc.value)


def test_labels_outside_0_to_9(tmp_path):
    images = write_idx(tmp_path / "images", IMAGES)
    labels = write_idx(tmp_path / "labels", np.array([0, 1, 10, 255], np.uint8))
    with pytest.raises(
        DataError, match=r"2 label\(s\) outside 0..9 \(first: 10 at index 2\)"
    ) as exc:
        load_idx_pair(images, labels)
    assert_good_message(exc, labels)


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with pytest.raises(DataError, match="not found") as exc:
        read_idx(path)
    assert_good_message(exc, path)


def test_write_idx_refuses_values_that_are_not_bytes(tmp_path):
    with pytest.raises(DataError, match="0..255"):
        write_idx(tmp_path / "x", np.array([1.5, 300.0]))


# ----------------------------------------------------------------------------- where it is found


def test_data_dir_beats_env_beats_keras_cache(no_fashion_env, make_idx_dir, monkeypatch):
    keras_cache = make_idx_dir("keras-home/datasets/fashion-mnist", seed=1)
    assert keras_cache == no_fashion_env
    env_dir = make_idx_dir("env", seed=2)
    explicit = make_idx_dir("explicit", seed=3)

    source = resolve_data_dir()
    assert source == DataSource("keras_cache", keras_cache.resolve())
    assert str(source).startswith("Keras cache ")

    monkeypatch.setenv("FASHION_MNIST_DIR", str(env_dir))
    assert resolve_data_dir() == DataSource("env", env_dir.resolve())
    assert str(resolve_data_dir()) == f"FASHION_MNIST_DIR {env_dir.resolve()}"

    (x_train, _), _ = load_fashion_mnist(explicit)
    (x_expected, _), _ = load_fashion_mnist(keras_cache)  # explicit keras dir: no resolution
    arrays, source = load_fashion_mnist_with_source(explicit)
    assert source == DataSource("data_dir", explicit.resolve())
    assert str(source) == f"--data-dir {explicit.resolve()}"
    assert not np.array_equal(x_train, x_expected)  # really read from the explicit directory


def test_raw_files_are_found_too(no_fashion_env, make_idx_dir):
    raw = make_idx_dir("raw", gzip=False)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(raw)
    assert x_train.shape == (50, 28, 28) and y_train.shape == (50,)
    assert x_test.shape == (30, 28, 28) and y_test.shape == (30,)


@pytest.mark.parametrize("via", ["data_dir", "env"])
def test_explicit_dir_missing_a_file_is_an_error_not_a_fallthrough(
    no_fashion_env, make_idx_dir, monkeypatch, via
):
    make_idx_dir("keras-home/datasets/fashion-mnist")  # a good copy that must NOT be used
    broken = make_idx_dir("broken")
    (broken / "t10k-labels-idx1-ubyte.gz").unlink()
    if via == "env":
        monkeypatch.setenv("FASHION_MNIST_DIR", str(broken))
    with pytest.raises(DataError) as exc:
        load_fashion_mnist(broken if via == "data_dir" else None)
    message = str(exc.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and str(broken) in message
    assert "train-images" not in message.split("lacks")[1].split(";")[0]
    assert ("--data-dir" if via == "data_dir" else "FASHION_MNIST_DIR") in message


def test_explicit_dir_that_does_not_exist(no_fashion_env, tmp_path):
    with pytest.raises(DataError, match="does not exist") as exc:
        load_fashion_mnist(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(exc.value)


def test_offline_without_a_copy_lists_every_place_looked_in(no_fashion_env):
    with pytest.raises(DataError) as exc:
        load_fashion_mnist()
    message = str(exc.value)
    assert "\n" not in message
    for expected in (
        "--data-dir (not given)",
        "FASHION_MNIST_DIR (not set)",
        f"Keras cache {no_fashion_env} (does not exist)",
        "storage.googleapis.com is unreachable",
        "--data-dir DIR or set FASHION_MNIST_DIR=DIR",
    ):
        assert expected in message


def test_partial_keras_cache_is_reported(no_fashion_env, make_idx_dir):
    cache = make_idx_dir("keras-home/datasets/fashion-mnist")
    (cache / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"lacks train-images-idx3-ubyte\.gz"):
        load_fashion_mnist()


def test_download_switched_off(no_fashion_env):
    with pytest.raises(DataError, match="downloading is switched off"):
        load_fashion_mnist(download=False)


def test_download_uses_keras_get_file_with_the_official_origin_and_md5(
    no_fashion_env, make_idx_dir, monkeypatch
):
    tiny = make_idx_dir("mirror")
    calls = []

    def fake_get_file(fname, origin, file_hash, hash_algorithm, cache_subdir, cache_dir):
        calls.append((fname, origin, file_hash, hash_algorithm, cache_subdir, cache_dir))
        target = Path(cache_dir) / cache_subdir / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tiny / fname, target)
        return str(target)

    monkeypatch.setattr(data, "_probe_host", lambda host, port, timeout: None)
    monkeypatch.setattr(data, "_keras_get_file", lambda: fake_get_file)

    (x_train, _), _ = load_fashion_mnist()
    source = resolve_data_dir()  # now found in the cache, no second download

    keras_home = str(no_fashion_env.parent.parent)
    base = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert calls == [
        (name, base + name, md5, "md5", os.path.join("datasets", "fashion-mnist"), keras_home)
        for name, md5 in (
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        )
    ]
    assert x_train.shape == (50, 28, 28)
    assert source == DataSource("keras_cache", no_fashion_env.resolve())


def test_failed_download_is_a_data_error(no_fashion_env, monkeypatch):
    def failing_get_file(**kwargs):
        raise Exception("URL fetch failure on https://example: 503 -- Service Unavailable")

    monkeypatch.setattr(data, "_probe_host", lambda host, port, timeout: None)
    monkeypatch.setattr(data, "_keras_get_file", lambda: failing_get_file)
    with pytest.raises(DataError, match="could not download .*503"):
        load_fashion_mnist()


# ----------------------------------------------------------------------------- the cache


def test_arrays_are_cached_per_directory_and_read_only(tiny_idx_dir):
    clear_cache()
    first = load_fashion_mnist(tiny_idx_dir)
    again = load_fashion_mnist(str(tiny_idx_dir) + "/")
    assert all(a is b for a, b in zip(first[0] + first[1], again[0] + again[1], strict=True))
    for array in first[0] + first[1]:
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 0

    clear_cache()
    fresh = load_fashion_mnist(tiny_idx_dir)
    assert fresh[0][0] is not first[0][0]
    np.testing.assert_array_equal(fresh[0][0], first[0][0])


def test_a_rewritten_file_is_read_again(make_idx_dir):
    directory = make_idx_dir("changing", seed=1)
    before = load_fashion_mnist(directory)[0][0]
    make_idx_dir("changing", seed=2, n_train_per_class=6)
    after = load_fashion_mnist(directory)[0][0]
    assert before.shape == (50, 28, 28) and after.shape == (60, 28, 28)


def test_reading_does_not_import_keras_or_tensorflow(tiny_idx_dir):
    code = (
        "import sys; from benchmarks.data import load_fashion_mnist, load_pair; "
        f"load_fashion_mnist({str(tiny_idx_dir)!r}); "
        f"load_pair(1, 9, protocol='official', data_dir={str(tiny_idx_dir)!r}); "
        "bad = [m for m in ('keras', 'tensorflow') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_probe_gives_up_after_its_timeout_even_if_connect_hangs(monkeypatch):
    import time

    def hanging_connect(address, timeout=None):
        time.sleep(2)  # e.g. a DNS lookup that the socket timeout does not cover
        raise AssertionError("unreachable")

    monkeypatch.setattr(data.socket, "create_connection", hanging_connect)
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="no answer within 0.2 s"):
        data._probe_host("storage.googleapis.com", 443, 0.2)
    assert time.perf_counter() - start < 1.5
