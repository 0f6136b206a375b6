"""The fingerprint of where figures were measured: CPU, cores, library versions, BLAS and
threads, TensorFlow's thread settings, the git commit. Written to ``env.json``."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import psutil
from threadpoolctl import threadpool_info

#: the keys ``kvsbench compare --same-machine`` requires to agree
FINGERPRINT_KEYS = ("cpu_model", "logical_cores", "blas_library", "blas_threads", "blas_kernel")

_PACKAGES = (
    "numpy", "tensorflow", "keras", "pandas", "matplotlib", "scikit-learn", "scipy",
    "threadpoolctl", "psutil", "tqdm", "pytest-benchmark",
)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "cpu model", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> dict:
    """NumPy's BLAS as threadpoolctl sees it: library, version, kernel (architecture), threads."""
    import numpy  # noqa: F401  (loads the BLAS threadpoolctl inspects)

    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        return {"blas_library": "unknown", "blas_threads": None, "blas_kernel": None}
    # SciPy may load an OpenBLAS of its own: NumPy's is the one the scratch twin runs on
    numpy_blas = [i for i in blas if "numpy" in str(i.get("filepath", "")).lower()]
    b = (numpy_blas or blas)[0]
    return {
        "blas_library": f"{b.get('internal_api')} {b.get('version') or ''}".strip(),
        "blas_threads": b.get("num_threads"),
        "blas_kernel": b.get("architecture"),
        "blas_path": b.get("filepath"),
    }


def git_commit(repo_dir: Path | None = None) -> str:
    """The checked-out commit (with ``-dirty`` when the tree has changes), or "unknown"."""
    cwd = repo_dir or Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd, capture_output=True, text=True, timeout=5,
        )
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def tensorflow_threads() -> dict:
    """TensorFlow's intra/inter-op thread settings, if TF is already loaded (0 means TF's own
    default: one intra-op thread per core)."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return {"tf_intra_op_threads": None, "tf_inter_op_threads": None}
    return {
        "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "tf_inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
    }


def collect_env() -> dict:
    """Everything ``env.json`` records (JSON-serialisable)."""
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    from benchmarks import __version__

    env = {
        "kvsbench_version": __version__,
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "machine": platform.machine(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        **blas_info(),
        **tensorflow_threads(),
        "thread_env": {
            k: os.environ.get(k)
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                      "OPENBLAS_CORETYPE", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
        },
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    return env


def fingerprint(env: dict) -> dict:
    """The part of ``env`` that must agree for absolute times to be comparable."""
    return {k: env.get(k) for k in FINGERPRINT_KEYS}
