"""The threads a twin's libraries run with: ``--threads`` as a count, NumPy's BLAS limited to
it (threadpoolctl), and what that BLAS is (env.json, ``runtime_info`` of each twin). Called in
the twin's own worker process, before it builds anything.
"""

from __future__ import annotations

import os


def resolve_threads(threads: int) -> int:
    """``--threads`` as a count: 0 means every core of the machine."""
    return int(threads) if threads > 0 else (os.cpu_count() or 1)



def blas_info() -> dict:
    """NumPy's BLAS as threadpoolctl sees it: library, version, kernel (architecture), threads."""
    import numpy  # noqa: F401  (loads the BLAS threadpoolctl inspects)
    from threadpoolctl import threadpool_info

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


def blas_threads(threads: int) -> None:
    """Limit NumPy's BLAS (every BLAS loaded so far) to ``--threads`` threads."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=resolve_threads(threads), user_api="blas")


def blas_runtime_info() -> dict:
    """The BLAS part of a twin's ``runtime_info``: library, kernel, threads, and the
    ``OPENBLAS_THREAD_TIMEOUT`` its worker runs with."""
    info = blas_info()
    return {**{k: info.get(k) for k in ("blas_library", "blas_kernel", "blas_threads")},
            "openblas_thread_timeout": os.environ.get("OPENBLAS_THREAD_TIMEOUT")}
