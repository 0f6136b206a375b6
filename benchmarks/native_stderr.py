"""Keep a native library's own output (TensorFlow's oneDNN/CUDA start-up lines) out of the
user's terminal, without touching what the library computes.

TensorFlow ≥ 2.19 writes those lines from C++ straight to file descriptor 2, before its
logging is initialised, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. ``kvsbench run`` trains Keras
in a worker process whose stderr goes to a log file (:mod:`benchmarks.harness.worker`); a command
that imports TensorFlow in its own process (``kvsbench course``) uses :func:`native_stderr_to`.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path


@contextlib.contextmanager
def native_stderr_to(path: str | os.PathLike):
    """Send what native code writes to fd 2 to ``path`` (appended) while the block runs;
    Python's own ``sys.stderr`` (kvsbench's messages, warnings) still reaches the terminal.
    When the block fails before anything was logged, the log and the directories made for it
    are removed again: bad input leaves no empty ``--out`` behind.
    """
    path = Path(path)
    made = [d for d in (path.parent, *path.parent.parents) if not d.exists()]  # deepest first
    sys.stderr.flush()
    saved = os.dup(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    old_stderr = sys.stderr
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(saved), "wb"), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    try:
        yield path
    except BaseException:
        _restore(saved, old_stderr)
        _remove_if_empty(path, made)
        raise
    else:
        _restore(saved, old_stderr)


def _restore(saved: int, old_stderr) -> None:
    sys.stderr.flush()
    sys.stderr.close()
    sys.stderr = old_stderr
    os.dup2(saved, 2)
    os.close(saved)


def _remove_if_empty(log: Path, made: list[Path]) -> None:
    try:
        if log.stat().st_size == 0:
            log.unlink()
        for directory in made:
            directory.rmdir()  # OSError when something else was written there: it stays
    except OSError:
        pass
