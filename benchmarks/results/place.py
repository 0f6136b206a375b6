"""A result directory as a place kvsbench writes to: made only where it can be, locked while
written, cleaned of temp files a killed run left, and never left through a file name.

Result directories travel (CI artifacts, mailed reports, colleagues' runs), so what is read
from one is untrusted: a file name derived from its data goes through :func:`safe_name` (one
path component of harmless characters, a hash when anything had to change) and
:func:`inside` (resolved, links followed, checked to lie in the directory).

Two kvsbench processes may write into one directory at once (two ``kvsbench run`` with other
pairs, a ``kvsbench report`` during a run): every write into a result directory happens under
:func:`locked` (a ``filelock`` lock file, ``.kvsbench.lock``), and a writer merges with what is
on disk at that moment (:class:`benchmarks.results.store.ResultStore`), so no row is lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from pathlib import Path

from benchmarks.atomic import TEMP_NAME
from benchmarks.errors import ResultsError, WriteError

#: the lock file every writer of a result directory holds
LOCK_NAME = ".kvsbench.lock"
#: sub-directories kvsbench writes into (their stale temp files are cleaned too)
SUBDIRS = ("plots",)
#: seconds to wait for another writer's lock before saying so
QUIET_WAIT = 2.0
#: longest file-name stem made from data (file systems allow 255 bytes)
MAX_STEM = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def safe_name(text, suffix: str = "") -> str:
    """One harmless path component made from ``text`` (read from a result file), + ``suffix``.

    Letters, digits and ``. _ + -`` are kept (so every id kvsbench makes maps to itself);
    anything else — separators, ``..``, NUL, spaces, non-ASCII — becomes ``_``, leading dots
    go, and then, or when ``text`` is longer than :data:`MAX_STEM`, the first 10 hex digits of
    its SHA-1 are appended, so that two different texts never share a name.
    """
    raw = str(text)
    stem = _UNSAFE.sub("_", raw).lstrip(".")[:MAX_STEM]
    if stem != raw or not stem:
        digest = hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        stem = f"{stem.rstrip('.')}-{digest}" if stem.rstrip(".") else digest
    return stem + suffix


def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, after checking that the file's directory, links followed, lies in
    ``root`` (a result directory whose ``plots`` is a link to elsewhere is refused).

    Raises
    ------
    ResultsError
        The path would lead out of ``root``.
    """
    root = Path(root)
    path = root.joinpath(*parts)
    base = root.resolve()
    where = path.parent.resolve()
    if where != base and base not in where.parents:
        raise ResultsError(
            f"{path} would be written outside {root} (it leads to {where}); kvsbench writes "
            "only inside a result directory: remove that link, or use a copy of the directory."
        )
    return path


# ---------------------------------------------------------------------------- writable
def check_writable(path: Path, flag: str = "--out") -> None:
    """Say in one line why a directory cannot be created or written at ``path``, before
    anything is written (WriteError); nothing is created."""
    path = Path(path)
    try:
        if path.exists() and not path.is_dir():
            raise WriteError(f"{flag} {path} is a file, not a directory; give a directory.")
        existing = path
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            raise WriteError(
                f"{flag} {path}: {existing} is a file, not a directory; give a directory path."
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            what = "write in" if existing == path else "create a directory in"
            raise WriteError(
                f"{flag} {path}: no permission to {what} {existing}; give a directory you may "
                "write to."
            )
    except OSError as exc:
        raise WriteError(f"{flag} {path}: {exc.strerror or exc}; give another directory.") from None


def prepare(path: Path, flag: str = "--out") -> Path:
    """Create the result directory ``path`` (and its parents), or say in one line why not."""
    path = Path(path)
    check_writable(path, flag)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"{flag} {path}: cannot create it ({exc.strerror or exc}); give "
                         "another directory.") from None
    return path


# ---------------------------------------------------------------------------- locking
_LOCKS: dict = {}


@contextlib.contextmanager
def locked(path: Path, log=None):
    """Hold the result directory's lock (re-entrant within a process) while the block runs.
    Another kvsbench writing there is waited for, with one line saying so."""
    from filelock import FileLock, Timeout

    path = Path(path)
    lock_path = path / LOCK_NAME
    try:
        key = str(path.resolve())
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(str(lock_path))
        try:
            lock.acquire(timeout=QUIET_WAIT)
        except Timeout:
            (log or _stderr)(f"kvsbench: waiting for another kvsbench writing to {path}")
            lock.acquire()
    except OSError as exc:
        raise WriteError(f"cannot write {lock_path}: {exc.strerror or exc}; kvsbench writes "
                         f"into {path}, so it must be writable (or use a copy).") from None
    try:
        yield
    finally:
        lock.release()


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


# ---------------------------------------------------------------------------- stale temp files
def stale_temps(path: Path) -> list[Path]:
    """Temp files of ours (:data:`benchmarks.atomic.TEMP_NAME`) in a result directory and its
    ``plots/``: a process killed while writing leaves them."""
    found = []
    for where in (Path(path), *(Path(path) / d for d in SUBDIRS)):
        if where.is_dir() and not where.is_symlink():
            found += [p for p in where.iterdir() if TEMP_NAME.match(p.name) and not p.is_dir()]
    return sorted(found)


def clean_stale_temps(path: Path) -> int:
    """Remove :func:`stale_temps`; call it holding :func:`locked` (every writer holds it, so
    no temp file found then is being written). Returns how many were removed."""
    removed = 0
    for tmp in stale_temps(path):
        try:
            tmp.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise WriteError(f"cannot remove the stale temp file {tmp}: "
                             f"{exc.strerror or exc}") from None
    return removed
