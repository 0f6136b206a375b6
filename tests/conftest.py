"""Shared fixtures: the real Fashion-MNIST subset (skipped when absent) and tiny IDX data sets."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

# TensorFlow, when a test loads it: errors only, no CUDA probing chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from hypothesis import Phase, settings  # noqa: E402

from benchmarks.data.idx import write_idx
from benchmarks.suites.common import SKIP_REASON as FASHION_SKIP_REASON  # one wording for both

# `pytest --hypothesis-profile=explore`: many more generated cases, no shrinking (a failure is
# reported as found) — for hunting, not for CI
settings.register_profile("explore", max_examples=500, phases=(Phase.explicit, Phase.reuse,
                                                                Phase.generate))

IDX_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def pytest_configure(config):
    # fails the run if a test leaves two frameworks' runtimes in this process
    config.pluginmanager.import_plugin("benchmarks.suites.guard")


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """Where Fashion-MNIST is, found as ``kvsbench data path`` finds it (``FASHION_MNIST_DIR``,
    then the Keras cache; never a download), or skip the test when there is no copy.

    Session-scoped, so module- and session-scoped fixtures (parity runs, CLI runs) can use it.

    A FASHION_MNIST_DIR that is set but wrong is not skipped: the tests then fail loudly.
    """
    from benchmarks.suites.common import find_data

    source = find_data()
    if source is None:
        pytest.skip(FASHION_SKIP_REASON)
    return source.directory


def make_synthetic_pair(n=200, seed=0):
    """A separable 784-pixel problem: the class shifts the mean of the first 50 pixels."""
    from benchmarks.data import Pair

    rng = np.random.default_rng(seed)

    def split(m):
        y = (rng.random(m) < 0.5).astype(np.float32)
        X = rng.random((m, 784), dtype=np.float32) * 0.5
        X[:, :50] += 0.4 * y[:, None]
        return X, y

    (Xtr, ytr), (Xv, yv), (Xte, yte) = split(n), split(n // 4), split(n // 4)
    names = ("Trouser", "Ankle boot")
    return Pair(Xtr, ytr, Xv, yv, Xte, yte, 1, 9, names, "seed", 42, "synthetic")


@pytest.fixture(scope="session")
def twin_pool():
    """One scratch and one Keras worker for the whole session, one thread each (as
    ``kvsbench run``'s default): starting TensorFlow costs seconds per worker."""
    from benchmarks.harness.worker import TwinPool

    with TwinPool(("scratch", "keras"), threads=1) as pool:
        yield pool


@pytest.fixture
def synthetic_pair():
    return make_synthetic_pair()


def write_tiny_fashion(
    directory: Path,
    n_train_per_class: int = 5,
    n_test_per_class: int = 3,
    gzip: bool = True,
    seed: int = 0,
) -> Path:
    """Write four tiny, valid Fashion-MNIST IDX files (every class present, shuffled labels).

    Images are random uint8 28x28 (seeded), so every row is distinct.
    """
    rng = np.random.RandomState(seed)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gzip else ""
    for part, per_class in (("train", n_train_per_class), ("t10k", n_test_per_class)):
        labels = rng.permutation(np.repeat(np.arange(10, dtype=np.uint8), per_class))
        images = rng.randint(0, 256, size=(labels.size, 28, 28)).astype(np.uint8)
        write_idx(directory / f"{part}-images-idx3-ubyte{suffix}", images, gzip=gzip)
        write_idx(directory / f"{part}-labels-idx1-ubyte{suffix}", labels, gzip=gzip)
    return directory


@pytest.fixture
def make_idx_dir(tmp_path):
    """Factory: ``make_idx_dir("name", **kwargs)`` writes a tiny Fashion-MNIST under tmp_path."""

    def make(name: str = "tiny", **kwargs) -> Path:
        return write_tiny_fashion(tmp_path / name, **kwargs)

    return make


@pytest.fixture
def tiny_idx_dir(make_idx_dir) -> Path:
    """A directory with four tiny gzip IDX files: 50 train and 30 t10k images, 28x28."""
    return make_idx_dir("tiny")


@pytest.fixture
def no_fashion_env(monkeypatch, tmp_path):
    """No FASHION_MNIST_DIR, an empty KERAS_HOME under tmp_path, and no network at all.

    Returns the Keras cache directory (``$KERAS_HOME/datasets/fashion-mnist``, not created).
    """
    import benchmarks.data.files as data

    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    keras_home = tmp_path / "keras-home"
    keras_home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(keras_home))

    def offline(host, port, timeout):
        raise OSError(f"network disabled in tests ({host}:{port})")

    def no_keras():
        raise AssertionError("the download must not be attempted when the probe fails")

    monkeypatch.setattr(data, "_probe_host", offline)
    monkeypatch.setattr(data, "_keras_get_file", no_keras)
    return keras_home / "datasets" / "fashion-mnist"


# ----------------------------------------------------------------------------- shared helpers
@pytest.fixture(scope="module")
def trouser_boot(fashion_dir):
    """Trouser vs Ankle boot of the real subset under the course's ``seed`` protocol."""
    from benchmarks.data import load_pair

    return load_pair("trouser", "ankle-boot", protocol="seed", data_dir=fashion_dir)


def run_cli(capsys, *argv, warnings_fail: bool = False) -> tuple[object, str, str]:
    """``kvsbench ARGV`` in this process: (exit status, stdout, stderr). A KeyboardInterrupt
    that escapes ``main`` (it would be a traceback) comes back as the status
    ``"KeyboardInterrupt escaped"``; ``warnings_fail``: a RuntimeWarning (NumPy's) fails."""
    import warnings

    from benchmarks.cli import main

    try:
        with warnings.catch_warnings():
            if warnings_fail:
                warnings.simplefilter("error", RuntimeWarning)
            code = main([str(a) for a in argv])
    except KeyboardInterrupt:
        code = "KeyboardInterrupt escaped"
    out, err = capsys.readouterr()
    return code, out, err


def run_row(exp: str, impl: str, seed: int = 0, **columns) -> dict:
    """A runs.csv row (every column of ``RUN_COLUMNS``) with plain defaults: a logreg Adam run
    of Trouser vs Ankle boot against the Keras reference; ``columns`` override any column."""
    from benchmarks.results.schema import RUN_COLUMNS

    row = {c: float("nan") for c in RUN_COLUMNS}
    row.update(
        run_id=f"{exp}.s{seed}.{impl}", experiment_id=exp, impl=impl, reference="keras",
        model="logreg", pair="trouser:ankle-boot", optimizer="adam", lr=0.001,
        batch_size="32", epochs=3, seed=seed, hidden_units=100, activation="relu",
        init="glorot_uniform", schedule="constant", decay_rate=1.0, decay_interval=1,
        momentum=0.9, protocol="seed", n_train=600, n_val=200, n_test=100, epochs_run=3,
        status="ok", train_loss=0.3, train_acc=0.9, val_loss=0.35, val_acc=0.9, test_loss=0.3,
        fit_seconds=1.0, first_epoch_seconds=0.5, steady_epoch_seconds=0.25, setup_seconds=0.0,
        samples_per_second=1800.0, max_loss_diff=1e-6, max_weight_rel_diff=1e-6,
        pred_agreement=1.0, time_ratio=2.0,
    )
    row.update(columns)
    return row


def pytest_collection_modifyitems(items):
    """Mark ``data`` every test that needs Fashion-MNIST: the one way a test gets it is the
    ``fashion_dir`` fixture (directly or through another fixture), so the marker follows it
    and cannot drift. ``slow`` is set by hand, in the test files (``pytestmark`` or per test)."""
    for item in items:
        if "fashion_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.data)
