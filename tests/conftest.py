"""Shared fixtures: the real Fashion-MNIST subset (skipped when absent), tiny IDX data sets,
no data, a fresh twin registry, report figures drawn once; the ``data`` marker. The plain
helpers they build on are in tests/helpers.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# TensorFlow, when a test loads it: errors only, no CUDA probing chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from hypothesis import Phase, settings  # noqa: E402

from benchmarks.suites.common import SKIP_REASON as FASHION_SKIP_REASON  # one wording for both
from tests.helpers import DrawnOnce, make_synthetic_pair, write_tiny_fashion

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


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """No FASHION_MNIST_DIR and a KERAS_HOME that does not exist: a report leaves the per-pair
    image plots out (quicker, and deterministic)."""
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras-home"))


@pytest.fixture
def fresh_registry(monkeypatch):
    """The registry of twins found again from the entry points, and forgotten after the
    test."""
    from benchmarks.twins import registry

    monkeypatch.setattr(registry, "TWINS", registry._Registry())
    return registry.TWINS


@pytest.fixture
def figures_drawn_once(monkeypatch):
    """The report's experiment figures drawn once per distinct arguments
    (:class:`tests.helpers.DrawnOnce`): for tests of many reports whose figures repeat."""
    from benchmarks.report import experiment_plots

    monkeypatch.setattr(experiment_plots, "experiment_figure",
                        DrawnOnce(experiment_plots.experiment_figure))


def pytest_collection_modifyitems(items):
    """Mark ``data`` every test that needs Fashion-MNIST: the one way a test gets it is the
    ``fashion_dir`` fixture (directly or through another fixture), so the marker follows it
    and cannot drift. ``slow`` is set by hand, in the test files (``pytestmark`` or per test)."""
    for item in items:
        if "fashion_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.data)
