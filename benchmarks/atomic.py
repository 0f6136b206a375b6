"""Files written whole: a temp file beside the target, renamed onto it on success, so a
reader — or a run interrupted mid-write — never sees half a file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = ".tmp"):
    """Yield a temp path beside ``path`` to write to; on success it is renamed onto ``path``
    (permissions following the umask), on any error removed — so a reader, or an interrupted
    run, never sees half a file. ``suffix`` keeps an extension for writers that need one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_atomic(path: Path, text: str) -> None:
    """Text twin of :func:`write_bytes_atomic` (UTF-8)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_csv(path: Path, df) -> None:
    """A pandas DataFrame as CSV, whole (floats to 10 significant digits)."""
    write_atomic(path, df.to_csv(index=False, float_format="%.10g"))


def write_json(path: Path, obj) -> None:
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
