"""A pytest plug-in that fails the run when one process holds two frameworks' runtimes.

TensorFlow with PyTorch (or triton, which PyTorch's CUDA build brings) or JAX in one process
crashes on some builds (``python -c "import tensorflow; import triton"`` segfaults with pip's
default PyTorch), and where it does not, their thread pools and allocators meet. Twins run
in worker processes of their own (:mod:`benchmarks.harness.worker`); tests that need a second
framework go through one. The test sessions (``tests/conftest.py``,
``benchmarks/suites/conftest.py``) load this plug-in; after collection and after each phase of
each test it looks at what this process has loaded, and the first test after which two
runtimes are present fails, naming them.

JAX counts once it has started a backend (its XLA client), not when it is merely imported:
TensorFlow's ``tf.lite`` imports ``jax`` by itself wherever JAX is installed, and starts nothing.
"""

from __future__ import annotations

import sys

import pytest

#: framework → the modules whose presence means its runtime is in the process
RUNTIMES = {"tensorflow": ("tensorflow",), "torch": ("torch", "triton")}
_STATE = {"reported": False}


def _jax_started(modules) -> bool:
    bridge = modules.get("jax._src.xla_bridge")
    if bridge is None:
        return False
    started = getattr(bridge, "backends_are_initialized", None)
    return bool(started()) if started is not None else bool(getattr(bridge, "_backends", None))


def runtimes(modules=None) -> list[str]:
    """The frameworks whose runtimes ``modules`` (default ``sys.modules``) hold."""
    modules = sys.modules if modules is None else modules
    found = [name for name, mods in RUNTIMES.items() if any(m in modules for m in mods)]
    if _jax_started(modules):
        found.append("jax")
    return found


def mixed(modules=None) -> str | None:
    """One line saying which runtimes share this process, or None when at most one does."""
    found = runtimes(modules)
    if len(found) < 2:
        return None
    return (f"one process holds the runtimes of {' and '.join(found)}: run each framework's "
            f"twin in its own worker process (benchmarks.harness.worker.TwinWorker)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    why = None if _STATE["reported"] else mixed()
    if why:
        _STATE["reported"] = True
        report.outcome = "failed"
        report.longrepr = f"runtime guard: {why} (first seen after the {report.when} of this test)"


def pytest_collection_finish(session):
    why = mixed()
    if why:
        _STATE["reported"] = True
        raise pytest.UsageError(f"runtime guard: {why} (after collecting the tests)")


def pytest_sessionfinish(session, exitstatus):
    why = None if _STATE["reported"] else mixed()
    if why:
        _STATE["reported"] = True
        print(f"\nruntime guard: {why}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
