"""Fixtures and pytest-benchmark hooks of the benchmark suites in ``benchmarks/suites/bench_*.py``.

Run them with ``pytest benchmarks/ --benchmark-only``; the ordinary ``pytest`` (testpaths =
tests) never collects them. Without Fashion-MNIST (``FASHION_MNIST_DIR`` or the Keras cache)
they skip with a reason that says how to provide it. Every twin is timed in its own worker
process (``workers``); this process holds no framework, which the runtime guard
(:mod:`benchmarks.suites.guard`) checks after every benchmark.
"""

from __future__ import annotations

import pytest

from benchmarks.suites import common


def pytest_configure(config):
    config.pluginmanager.import_plugin("benchmarks.suites.guard")


@pytest.fixture(scope="session")
def pair():
    """Pullover vs Coat (:func:`benchmarks.suites.common.load_bench_pair`), or skip without the
    data."""
    return common.load_bench_pair()


@pytest.fixture(scope="session")
def workers():
    """One worker process per benchmarked twin, for the whole session."""
    with common.start_pool() as pool:
        yield pool


def pytest_report_header(config):
    from benchmarks.twins.threads import blas_info

    b = blas_info()
    return (f"kvsbench: NumPy BLAS {b['blas_library']} kernel {b['blas_kernel']} "
            f"threads {b['blas_threads']}; pair {common.PAIR}; every twin timed in its own "
            f"worker process (timer: the worker's perf_counter)")


def pytest_benchmark_update_machine_info(config, machine_info):
    """Store kvsbench's environment fingerprint (CPU, cores, BLAS, its kernel and threads,
    versions) in the benchmark JSON's ``machine_info``, with per twin what its worker ran
    with (``twins``: as env.json's)."""
    from benchmarks.harness.envinfo import collect_env

    machine_info["kvsbench"] = {**collect_env(), "twins": common.WORKER_INFO}
