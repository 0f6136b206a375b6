"""The runtime guard (benchmarks/suites/guard.py): a test session fails when one process holds
two frameworks' runtimes, and names them; TensorFlow's own import of JAX does not count."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from benchmarks.suites import guard
from tests.helpers import ROOT


def _jax_bridge(started: bool):
    bridge = types.ModuleType("jax._src.xla_bridge")
    bridge.backends_are_initialized = lambda: started
    return bridge


def test_two_runtimes_are_named_one_is_fine():
    tf, torch = types.ModuleType("tensorflow"), types.ModuleType("torch")
    assert guard.mixed({"tensorflow": tf}) is None
    assert guard.mixed({"torch": torch, "numpy": tf}) is None
    assert guard.mixed({"tensorflow": tf, "torch": torch}) == (
        "one process holds the runtimes of tensorflow and torch: run each framework's twin in "
        "its own worker process (benchmarks.harness.worker.TwinWorker)")
    # triton comes with PyTorch's CUDA build; `import tensorflow; import triton` segfaults
    assert guard.runtimes({"tensorflow": tf, "triton": tf}) == ["tensorflow", "torch"]


def test_jax_counts_once_it_has_started_a_backend():
    tf = types.ModuleType("tensorflow")
    imported_only = {"tensorflow": tf, "jax": tf, "jax._src.xla_bridge": _jax_bridge(False)}
    assert guard.mixed(imported_only) is None  # tf.lite imports jax by itself
    started = {**imported_only, "jax._src.xla_bridge": _jax_bridge(True)}
    assert guard.runtimes(started) == ["tensorflow", "jax"]


def test_tensorflow_alone_is_one_runtime_here():
    pytest.importorskip("tensorflow")
    # with JAX installed, importing TensorFlow imports jax too (tf.lite), starting nothing
    assert guard.runtimes() == ["tensorflow"]


def _run_session(tmp_path, body: str):
    test = tmp_path / "test_mixing.py"
    test.write_text(body)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "benchmarks.suites.guard", str(test)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_session_that_mixes_runtimes_fails_naming_the_test(tmp_path):
    proc = _run_session(tmp_path, (
        "import sys, types\n"
        "def test_clean():\n    pass\n"
        "def test_mixes():\n"
        "    sys.modules['tensorflow'] = types.ModuleType('tensorflow')\n"
        "    sys.modules['torch'] = types.ModuleType('torch')\n"
        "def test_after():\n    pass\n"))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "FAILED test_mixing.py::test_mixes" in out
    assert "runtime guard: one process holds the runtimes of tensorflow and torch" in out
    assert "2 passed" in out  # the others are not blamed


@pytest.mark.slow
def test_a_clean_session_passes(tmp_path):
    proc = _run_session(tmp_path, "def test_clean():\n    pass\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
