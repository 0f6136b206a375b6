"""Files written whole: a temp file beside the target, renamed onto it on success, so a
reader — or a run interrupted mid-write — never sees half a file.

A temp file of ours is named ``.<target name>.kvsbench-<8 random characters>.tmp``
(``.tmp.<ext>`` when the writer needs an extension): :data:`TEMP_NAME` matches exactly these, so
the ones a killed process left behind can be cleaned up
(:func:`benchmarks.results.place.clean_stale_temps`) without touching anybody else's
``.*.tmp`` (``--out .`` in a directory of other files). An ``OSError`` while writing (disk
full, permission denied, read-only file system) becomes one
:class:`~benchmarks.errors.WriteError` line naming the file and the cause; the previous file,
if any, is left as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

from benchmarks.errors import WriteError

#: the name of a temp file made by :func:`atomic_path` (``tempfile``'s 8 random characters)
TEMP_NAME = re.compile(r"^\..+\.kvsbench-[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]{1,8})?$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_error(path: Path, exc: OSError) -> WriteError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return WriteError(f"cannot write {path}: {reason}; the previous file, if any, is left as it "
                      "was (free some space, or give a directory you may write to)")


def _temp_beside(path: Path, suffix: str) -> Path:
    """A new empty temp file next to ``path`` (its directory created if need be)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tail = ".tmp" if suffix == ".tmp" else ".tmp" + suffix
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.kvsbench-",
                               suffix=tail)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    return Path(tmp)


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = ".tmp"):
    """Yield a temp path beside ``path`` to write to; on success it is renamed onto ``path``
    (permissions following the umask), on any error removed — so a reader, or an interrupted
    run, never sees half a file. ``suffix`` keeps an extension for writers that need one
    (``".gif"`` gives ``….tmp.gif``).

    Raises
    ------
    WriteError
        The file could not be written (one line: the path and the cause).
    """
    path = Path(path)
    tmp = None
    try:
        tmp = _temp_beside(path, suffix)
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise _write_error(path, exc) from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def write_files_atomic(files: dict) -> None:
    """Write several files ``{path: bytes}`` as one change, as far as a file system allows:
    every temp file is written first and only then is each renamed onto its target, so a
    failure while writing (a full disk, Ctrl-C) leaves every old file as it was."""
    temps: list[tuple[Path, Path]] = []
    current = None
    try:
        for path, data in files.items():
            current = Path(path)
            if current.is_dir():
                raise IsADirectoryError(21, "a directory is in the way")
            tmp = _temp_beside(current, ".tmp")
            temps.append((tmp, current))
            tmp.write_bytes(data)
        _swap_in(temps)
    except OSError as exc:
        _remove(temps)
        raise _write_error(current, exc) from None
    except BaseException:
        _remove(temps)
        raise


def _swap_in(temps) -> None:
    """Rename every temp file onto its target; when one rename fails, the targets already
    replaced get their old files back (kept as hard links until every rename is done), so
    the set is the old one or the new one, never a mix."""
    done: list[tuple[Path, Path | None]] = []
    path = backup = None
    try:
        for tmp, path in temps:
            backup = None
            if path.exists():
                backup = Path(str(tmp) + ".old")
                os.link(path, backup)
            os.replace(tmp, path)
            done.append((path, backup))
    except OSError as exc:
        if backup is not None:
            backup.unlink(missing_ok=True)
        for replaced, old in reversed(done):
            if old is not None:
                os.replace(old, replaced)
            else:
                replaced.unlink(missing_ok=True)
        raise _write_error(path, exc) from None
    for _, old in done:
        if old is not None:
            old.unlink(missing_ok=True)


def _remove(temps) -> None:
    for tmp, _ in temps:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".old").unlink(missing_ok=True)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_atomic(path: Path, text: str) -> None:
    """Text twin of :func:`write_bytes_atomic` (UTF-8)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def csv_bytes(df) -> bytes:
    """A pandas DataFrame as the CSV kvsbench writes (floats to 10 significant digits)."""
    return df.to_csv(index=False, float_format="%.10g").encode("utf-8")


def write_csv(path: Path, df) -> None:
    """A pandas DataFrame as CSV, whole (see :func:`csv_bytes`)."""
    write_bytes_atomic(path, csv_bytes(df))


def json_text(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n"


def write_json(path: Path, obj) -> None:
    write_atomic(path, json_text(obj))
