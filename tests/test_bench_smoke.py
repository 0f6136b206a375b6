"""Smoke test of the pytest-benchmark suites: a few cases, timed, saved as JSON.

Runs ``pytest benchmarks/ --benchmark-only --benchmark-json`` in a subprocess on the logreg
cases at batch 256 (one per benchmark kind) and checks what a saved run must carry: both twins
in every group, and the accuracy next to the time in ``extra_info``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the pytest-benchmark suites in a subprocess

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_json_has_both_twins_and_accuracy(fashion_dir, tmp_path):
    out = tmp_path / "out.json"
    cmd = [sys.executable, "-m", "pytest", "benchmarks/", "--benchmark-only",
           f"--benchmark-json={out}", "-q", "-p", "no:cacheprovider",
           "-k", "logreg and not bs32 and not bsfull"]
    env = {**os.environ, "FASHION_MNIST_DIR": str(fashion_dir)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text())
    groups = defaultdict(set)
    for bench in data["benchmarks"]:
        info = bench["extra_info"]
        groups[bench["group"]].add(info["impl"])
        if info["impl"] == "gemm-floor":  # the epoch's bare matrix products: no accuracy
            assert bench["group"].startswith("epoch-") and info["n_samples"] > 0
            continue
        assert info["pair"] == "pullover:coat" and info["model"] == "logreg"
        assert 0 < info["test_acc"] <= 1 and info["test_loss"] > 0
        per_batch = not bench["group"].startswith(("predict", "apply"))
        assert info["config"]["batch_size"] == (256 if per_batch else 32)
        assert info["max_loss_diff"] <= 1e-3
    assert set(groups) == {"epoch-logreg-bs256", "step-logreg-bs256", "predict-logreg",
                           "apply-logreg"}
    from benchmarks.suites.common import IMPLS, INTERNAL_IMPLS

    # the epoch and predict groups hold every installed twin (and the epoch's GEMM floor);
    # step and apply time the internals of scratch and Keras only
    assert groups["epoch-logreg-bs256"] == {*IMPLS, "gemm-floor"}
    assert groups["predict-logreg"] == set(IMPLS)
    assert groups["step-logreg-bs256"] == groups["apply-logreg"] == set(INTERNAL_IMPLS)
    assert {"scratch", "keras"} <= set(IMPLS)
    assert data["machine_info"]["kvsbench"]["blas_library"]
