"""Where figures were measured: CPU, cores, library versions, BLAS and threads, TensorFlow's
thread settings, the git commit. Written to ``env.json``; which of its keys make the machine's
fingerprint is the result directory's schema (:mod:`benchmarks.results.hosts`)."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import psutil

from benchmarks.twins.threads import blas_info

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


#: set it to the commit when the code runs outside a git checkout (e.g. an unpacked archive)
COMMIT_ENV = "KVSBENCH_GIT_COMMIT"


def git_commit(repo_dir: Path | None = None) -> str:
    """The commit the figures were made from, with ``-dirty`` when the code has local changes.

    In order: ``$KVSBENCH_GIT_COMMIT``; the git checkout ``repo_dir``; else the checkout this
    package was imported from (an editable install), then the checkout of the working
    directory when it is a kvsbench checkout (a plain ``pip install .`` copies the package out
    of the checkout, so the directory ``kvsbench`` runs in is the one that names the code);
    else "unknown". Changes under ``results/`` (generated files, e.g. a baseline being
    regenerated) do not make a tree dirty.
    """
    pinned = os.environ.get(COMMIT_ENV, "").strip()
    if pinned:
        return pinned
    if repo_dir is not None:
        return _commit_of(Path(repo_dir)) or "unknown"
    package = _commit_of(Path(__file__).resolve().parent.parent)
    if package:
        return package
    top = _git(Path.cwd(), "rev-parse", "--show-toplevel")
    if top and _is_kvsbench_checkout(Path(top)):
        return _commit_of(Path(top)) or "unknown"
    return "unknown"


def _git(cwd: Path, *args: str) -> str | None:
    """``git -C cwd args`` stdout, stripped; None when it fails (no git, not a checkout)."""
    try:
        out = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                             timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _commit_of(checkout: Path) -> str | None:
    head = _git(checkout, "rev-parse", "HEAD")
    if not head:
        return None
    dirty = _git(checkout, "status", "--porcelain", "--untracked-files=no", "--",
                 ":/", ":(top,exclude)results")
    return head + ("-dirty" if dirty else "")


def _is_kvsbench_checkout(top: Path) -> bool:
    try:
        return 'name = "kvsbench"' in (top / "pyproject.toml").read_text()
    except OSError:
        return False


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
