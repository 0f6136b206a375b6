"""Fixtures and pytest-benchmark hooks of the benchmark suites in ``benchmarks/suites/bench_*.py``.

Run them with ``pytest benchmarks/ --benchmark-only``; the ordinary ``pytest`` (testpaths =
tests) never collects them. Without Fashion-MNIST (``FASHION_MNIST_DIR`` or the Keras cache)
they skip with a reason that says how to provide it.
"""

from __future__ import annotations

import pytest

from benchmarks.suites import common


@pytest.fixture(scope="session")
def pair():
    """Pullover vs Coat (:func:`benchmarks.suites.common.load_bench_pair`), or skip without the
    data."""
    return common.load_bench_pair()


def pytest_report_header(config):
    from benchmarks.harness.envinfo import blas_info

    b = blas_info()
    return (f"kvsbench: NumPy BLAS {b['blas_library']} kernel {b['blas_kernel']} "
            f"threads {b['blas_threads']}; pair {common.PAIR}")


def pytest_benchmark_update_machine_info(config, machine_info):
    """Store kvsbench's environment fingerprint (CPU, cores, BLAS, its kernel and threads,
    TensorFlow threads, versions) in the benchmark JSON's ``machine_info``."""
    from benchmarks.harness.envinfo import collect_env

    machine_info["kvsbench"] = collect_env()
