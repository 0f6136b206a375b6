"""Smoke test of the pytest-benchmark suites: a few cases, timed, saved as JSON.

Runs ``pytest benchmarks/ --benchmark-only --benchmark-json`` in a subprocess on the logreg
cases at batch 256 (one per benchmark kind) and checks what a saved run must carry: every twin
in every group, each timed in a worker process of its own with its framework's settings as
resolved there, and the accuracy next to the time in ``extra_info``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # runs the pytest-benchmark suites in a subprocess



#: what each twin's rows must report: (backend, jit_compile) as its worker resolved them
SETTINGS = {"scratch": ("numpy", False), "keras": ("tensorflow", False),
            "keras-xla": ("tensorflow", True), "keras-jax": ("jax", True),
            "keras-jax-tuned": ("jax", True),
            "keras-torch": ("torch", False), "torch": ("torch", False)}


@pytest.mark.slow
def test_benchmark_json_has_every_twin_and_accuracy(fashion_dir, tmp_path):
    out = tmp_path / "out.json"
    cmd = [sys.executable, "-m", "pytest", "benchmarks/", "--benchmark-only",
           f"--benchmark-json={out}", "-q", "-p", "no:cacheprovider",
           "-k", "logreg and not bs32 and not bsfull", "-rs"]
    env = {**os.environ, "FASHION_MNIST_DIR": str(fashion_dir)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text())
    groups = defaultdict(set)
    pids = defaultdict(set)
    for bench in data["benchmarks"]:
        info = bench["extra_info"]
        groups[bench["group"]].add(info["impl"])
        # every round timed by the worker's clock, not by this process's perf_counter
        assert bench["options"]["timer"].endswith("worker_clock")
        if info["impl"] == "gemm-floor":  # the epoch's bare matrix products: no accuracy
            assert bench["group"].startswith("epoch-") and info["n_samples"] > 0
            continue
        pids[info["impl"]].add(info["worker_pid"])
        expected = SETTINGS.get(info["impl"])
        if expected is not None:
            assert (info["backend"], info["jit_compile"]) == expected, bench["name"]
        tuned = info["impl"] in ("keras-xla", "keras-jax-tuned")
        assert info["steps_per_execution"] == (50 if tuned else 1)
        assert info["threads"] == 1
        assert 0 < info["boundary_seconds_median"] < 0.05  # measured, and kept out of the time
        assert info["pair"] == "pullover:coat" and info["model"] == "logreg"
        assert 0 < info["test_acc"] <= 1 and info["test_loss"] > 0
        per_batch = not bench["group"].startswith(("predict", "apply"))
        assert info["config"]["batch_size"] == (256 if per_batch else 32)
        assert info["max_loss_diff"] <= 1e-3
    assert set(groups) == {"epoch-logreg-bs256", "step-logreg-bs256", "predict-logreg",
                           "apply-logreg"}
    from benchmarks.suites.common import IMPLS

    # the epoch and predict groups hold every installed twin (and the epoch's GEMM floor);
    # step times the internals of scratch and the Keras twins, apply of scratch and Keras on
    # TensorFlow; the others are skipped, saying why
    assert groups["epoch-logreg-bs256"] == {*IMPLS, "gemm-floor"}
    assert groups["predict-logreg"] == set(IMPLS)
    assert groups["step-logreg-bs256"] == set(IMPLS) & {
        "scratch", "keras", "keras-xla", "keras-jax", "keras-jax-tuned", "keras-torch"}
    assert groups["apply-logreg"] == set(IMPLS) & {"scratch", "keras", "keras-xla"}
    if "torch" in IMPLS:
        assert "SKIPPED" in proc.stdout and "torch: TypeError: no one-step timing" in proc.stdout
    assert {"scratch", "keras"} <= set(IMPLS)
    # one worker per twin for the session
    assert all(len(p) == 1 for p in pids.values())
    all_pids = [next(iter(p)) for p in pids.values()]
    assert len(set(all_pids)) == len(all_pids) and None not in all_pids
    machine = data["machine_info"]["kvsbench"]
    assert machine["blas_library"]
    # the twins benchmarked, and the scratch twins of their own rules that step parity holds
    # a twin of another rule to (``torch-rule``)
    assert set(IMPLS) <= set(machine["twins"])
    assert all(t.endswith("-rule") for t in set(machine["twins"]) - set(IMPLS))
    assert machine["twins"]["keras"]["keras_backend"] == "tensorflow"
