"""``kvsbench standin``: a TIMING-ONLY stand-in of the real Fashion-MNIST size, made from a subset.

Speed figures must be measured on pairs of the real size (per class 6,000 training and 1,000
test images; a pair has 12,000 training images). Offline there is only a subset (e.g.
``../shared/fashion-mnist-subset``: about 700 training images per class), so
:func:`make_standin` repeats each class's images of the subset, in order and cycling, up to the
real size and writes the four standard IDX files, plus a marker ``TIMING-ONLY.json``.

The images are repeats: a stand-in's accuracy figures mean nothing (validation and test images
are copies of training images). Every loader result says so: :func:`benchmarks.data.load_pair`
returns a ``Pair`` with ``timing_only=True`` (and its ``source`` ends in "(timing-only
stand-in)"), :func:`benchmarks.data.data_provenance` returns the marker.

Layout: the labels of each file are a seeded permutation of ``per_class`` copies of 0..9
(``RandomState(0)`` for train, ``RandomState(1)`` for test), so a pair cut by the loader is
interleaved like a real file; the ``k``-th slot of class ``c`` holds the subset's image
``k mod n_c`` of class ``c`` (``n_c`` = the subset's images of ``c``, in file order).

The IDX files are written raw (uncompressed): measured on the real subset (2 cores), raw
train images (47 MB) take 0.3 s to write and 0.03 s to read; gzip takes 16 s at the default
level 9 (1.0 s at level 1) to write and 0.3 s to read, for 26 MB. The loader reads both.

Each file is written to a temp file beside it and renamed, and the marker is written FIRST
(``"complete": false``) and rewritten last (``"complete": true``): a killed build never leaves
IDX files that look like real data, and the loader refuses a half-built stand-in.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from benchmarks.atomic import atomic_path
from benchmarks.bounded import read_json
from benchmarks.data.idx import file_digest
from benchmarks.errors import ConfigError, DataError

__all__ = [
    "MARKER",
    "KIND",
    "TRAIN_PER_CLASS",
    "TEST_PER_CLASS",
    "make_standin",
    "standin_info",
    "add_parser",
]

MARKER = "TIMING-ONLY.json"
KIND = "kvsbench timing-only stand-in"
VERSION = 1
TRAIN_PER_CLASS = 6000  # the real Fashion-MNIST: 60,000 training images, 6,000 per class
TEST_PER_CLASS = 1000  # and 10,000 test images, 1,000 per class
ORDER_SEEDS = {"train": 0, "test": 1}
HOW = "each class's subset images repeated in order to the real size"
WARNING = (
    "TIMING ONLY: these images are the subset's images repeated, so validation and test images "
    "are copies of training images; never use this directory for accuracy claims, only for "
    "speed figures at the real data size"
)
_REBUILD = "delete the directory and rebuild it with kvsbench standin --out DIR"
# a temp file left by a killed build: ".<file name>.<random>.tmp" (benchmarks.atomic)
_TEMP_RE = re.compile(r"^\.(?P<name>[^/]+)\.[^./]+\.tmp$")


# --------------------------------------------------------------------------- the marker


def _read_marker(directory: Path) -> dict | None:
    path = Path(directory) / MARKER
    if not path.is_file():
        if path.exists():
            raise DataError(f"timing-only marker {path} is not a file; {_REBUILD}")
        return None
    try:
        info = read_json(path, error=DataError)
    except DataError as exc:
        raise DataError(f"timing-only marker {path} is unreadable ({exc}); {_REBUILD}") from None
    if (
        not isinstance(info, dict)
        or info.get("kind") != KIND
        or info.get("timing_only") is not True
    ):
        raise DataError(
            f"timing-only marker {path} is corrupt (not a JSON object with kind {KIND!r} and "
            f"timing_only true); {_REBUILD}"
        )
    return info


def standin_info(data_dir: str | os.PathLike) -> dict | None:
    """The parsed ``TIMING-ONLY.json`` marker if ``data_dir`` is a timing-only stand-in, else None.

    Raises
    ------
    DataError
        The marker exists but is not valid JSON or not a kvsbench stand-in marker.
    """
    return _read_marker(Path(data_dir).expanduser())


# --------------------------------------------------------------------------- building


def _write_atomic(path: Path, write) -> str:
    """``write(tmp)`` to a temp file beside ``path``, renamed onto it (:func:`atomic_path`);
    the file's SHA-256."""
    with atomic_path(path) as tmp:
        write(tmp)
        sha = file_digest(tmp)
    return sha


def _write_marker(out: Path, marker: dict) -> None:
    text = json.dumps(marker, indent=2) + "\n"
    _write_atomic(out / MARKER, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _check_size(value, flag: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"Argument `{flag}` must be an integer >= 1. Received: {flag}={value!r}")
    return int(value)


def _resolve_source(source_dir):
    """The :class:`benchmarks.data.DataSource` of the subset (explicit dir, env, Keras cache)."""
    from benchmarks.data.files import _find_files, resolve_data_dir

    if source_dir is not None and str(source_dir) != "":
        path = Path(source_dir).expanduser()
        if not path.is_dir():
            raise DataError(
                f"stand-in source {path} does not exist or is not a directory; point --from at "
                "the four Fashion-MNIST files (e.g. ../shared/fashion-mnist-subset)"
            )
        _, missing = _find_files(path)
        if missing:
            raise DataError(
                f"stand-in source {path} lacks {', '.join(missing)} (gzip or raw); point --from "
                "at the four Fashion-MNIST files (e.g. ../shared/fashion-mnist-subset)"
            )
    try:
        return resolve_data_dir(source_dir, download=False)
    except DataError as exc:
        raise DataError(f"no source for the stand-in (give --from DIR): {exc}") from None


def _repeat_by_class(labels: np.ndarray, per_class: int, seed: int, part: str, where) -> tuple:
    """(index into the source, new labels): ``per_class`` slots of each class, seeded order."""
    from benchmarks.data.classes import CLASS_NAMES, N_CLASSES

    new_labels = np.random.RandomState(seed).permutation(
        np.repeat(np.arange(N_CLASSES, dtype=np.uint8), per_class)
    )
    index = np.empty(new_labels.size, dtype=np.int64)
    for c in range(N_CLASSES):
        own = np.flatnonzero(labels == c)
        if own.size == 0:
            raise DataError(
                f"stand-in source {where} holds no {part} images of class {c} {CLASS_NAMES[c]}: "
                "cannot repeat it to the real size; point --from at a copy with all 10 classes"
            )
        index[new_labels == c] = own[np.arange(per_class) % own.size]
    return index, new_labels


def _check_out_dir(out: Path, source: Path, names: set[str]) -> list[Path]:
    """Refuse an ``out`` that holds anything but a stand-in; the stale temp files to remove."""
    if out.exists() and not out.is_dir():
        raise DataError(
            f"stand-in output {out} exists and is not a directory; choose another --out"
        )
    if out.resolve() == source:
        raise DataError(f"stand-in output {out} is the source directory; choose another --out")
    if not out.is_dir():
        return []
    marker = _read_marker(out)
    stale, others = [], []
    for entry in sorted(out.iterdir()):
        temp = _TEMP_RE.match(entry.name)
        if entry.is_file() and temp and temp.group("name") in names:
            stale.append(entry)
        elif entry.name not in names or not entry.is_file():
            others.append(entry.name)
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise DataError(
            f"stand-in output {out} already holds files that are not part of a timing-only "
            f"stand-in ({shown}); choose an empty or new --out directory"
        )
    if marker is None and any(p not in stale for p in out.iterdir()):
        raise DataError(
            f"stand-in output {out} holds Fashion-MNIST files but no {MARKER} marker: it may be "
            "real data, so it is not overwritten; choose an empty or new --out directory"
        )
    return stale


def make_standin(
    source_dir: str | os.PathLike | None,
    out_dir: str | os.PathLike,
    train_per_class: int = TRAIN_PER_CLASS,
    test_per_class: int = TEST_PER_CLASS,
) -> Path:
    """Write a timing-only stand-in of ``train_per_class`` / ``test_per_class`` images per class.

    Parameters
    ----------
    source_dir : str or PathLike or None
        The subset (four IDX files, gzip or raw). None: ``FASHION_MNIST_DIR``, then the Keras
        cache, as the loader resolves it (never downloads).
    out_dir : str or PathLike
        Created if missing. It must be empty, or a stand-in written before (then it is
        rebuilt; with the same source and sizes nothing is rewritten).
    train_per_class, test_per_class : int
        Images per class in the train and the test (t10k) files; default the real size.

    Returns
    -------
    Path
        ``out_dir``, resolved: the four raw IDX files and ``TIMING-ONLY.json``.

    Raises
    ------
    DataError
        Missing or unreadable source, a source that is itself a stand-in or lacks a class, an
        ``out_dir`` that holds anything else (e.g. real data) or cannot be written.
    ConfigError
        A size that is not an integer >= 1.
    """
    from benchmarks.data.files import FILE_STEMS, _find_files
    from benchmarks.data.idx import load_idx_pair, write_idx

    sizes = {
        "train": _check_size(train_per_class, "--train-per-class"),
        "test": _check_size(test_per_class, "--test-per-class"),
    }
    source = _resolve_source(source_dir)
    if _read_marker(source.directory) is not None:
        raise DataError(
            f"stand-in source {source.directory} is itself a timing-only stand-in; point --from "
            "at the real subset (e.g. ../shared/fashion-mnist-subset)"
        )
    out = Path(out_dir).expanduser()
    names = {MARKER, *FILE_STEMS, *(f"{stem}.gz" for stem in FILE_STEMS)}
    stale = _check_out_dir(out, source.directory, names)
    files, _ = _find_files(source.directory)
    arrays = {"train": load_idx_pair(files[0], files[1]), "test": load_idx_pair(files[2], files[3])}

    marker = {
        "kind": KIND,
        "timing_only": True,
        "warning": WARNING,
        "how": HOW,
        "order": (
            "labels: RandomState(seed).permutation of per_class copies of 0..9 (seed 0 train, "
            "1 test); the k-th image of class c is the source's image k mod n_c of class c"
        ),
        "version": VERSION,
        "train_per_class": sizes["train"],
        "test_per_class": sizes["test"],
        "source": str(source.directory),
        "source_sha256": {p.name: file_digest(p) for p in files},
        "source_per_class": {
            part: np.bincount(arrays[part][1], minlength=10).tolist() for part in ("train", "test")
        },
        "format": "IDX, raw (uncompressed)",
        "complete": False,
        "files": {},
    }
    old = _read_marker(out) if out.is_dir() else None
    same = {k: v for k, v in marker.items() if k not in ("complete", "files")}
    if old is not None and old.get("complete") is True and same == {
        k: v for k, v in old.items() if k not in ("complete", "files")
    }:
        recorded = old.get("files") or {}
        if set(recorded) == set(FILE_STEMS) and all(
            (out / name).is_file() and file_digest(out / name) == sha
            for name, sha in recorded.items()
        ) and not any((out / f"{stem}.gz").exists() for stem in FILE_STEMS):
            for path in stale:
                path.unlink(missing_ok=True)
            return out.resolve()  # up to date: nothing rewritten

    built = {}
    for part, per_class in sizes.items():
        images, labels = arrays[part]
        index, new_labels = _repeat_by_class(
            labels, per_class, ORDER_SEEDS[part], "training" if part == "train" else "test (t10k)",
            source.directory,
        )
        built[part] = (images[index], new_labels)

    try:
        out.mkdir(parents=True, exist_ok=True)
        for path in stale:
            path.unlink(missing_ok=True)
        _write_marker(out, marker)  # first: from now on the directory reads as a stand-in
        for stem in FILE_STEMS:
            (out / f"{stem}.gz").unlink(missing_ok=True)  # the loader would prefer a stale .gz
        for stem, part, which in zip(FILE_STEMS, ("train", "train", "test", "test"), (0, 1, 0, 1)):
            array = built[part][which]
            marker["files"][stem] = _write_atomic(
                out / stem, lambda tmp, a=array: write_idx(tmp, a, gzip=False)
            )
        marker["complete"] = True
        _write_marker(out, marker)
    except OSError as exc:
        raise DataError(
            f"cannot write the stand-in to {out} ({exc.strerror or exc}); choose a writable --out"
        ) from None
    return out.resolve()


# --------------------------------------------------------------------------- command line


def add_parser(sub) -> None:
    """Register ``kvsbench standin --from DIR --out DIR [--train-per-class N]
    [--test-per-class N]``."""
    p = sub.add_parser(
        "standin",
        help="build a TIMING-ONLY stand-in of the real Fashion-MNIST size from a subset "
        "(for speed figures; never for accuracy)",
        description="Repeat each class's images of a Fashion-MNIST subset, in order, up to the "
        "real size (6,000 training and 1,000 test images per class) and write the four IDX "
        f"files and a {MARKER} marker to --out. Loading from it gives Pair.timing_only = True. "
        "Its images are repeats: accuracy figures on it mean nothing.",
    )
    p.add_argument("--from", dest="source", default=None, metavar="DIR",
                   help="the subset: a directory with the four Fashion-MNIST IDX files (default: "
                   "FASHION_MNIST_DIR, then the Keras cache; never downloads)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="where to write the stand-in: a new or empty directory, or a stand-in "
                   "to rebuild (required)")
    p.add_argument("--train-per-class", type=int, default=TRAIN_PER_CLASS, metavar="N",
                   help="training images per class (default: %(default)s, the real size)")
    p.add_argument("--test-per-class", type=int, default=TEST_PER_CLASS, metavar="N",
                   help="test (t10k) images per class (default: %(default)s, the real size)")
    p.set_defaults(func=cmd_standin)


def cmd_standin(args) -> int:
    out = make_standin(args.source, args.out, args.train_per_class, args.test_per_class)
    info = standin_info(out)
    size_mb = sum((out / name).stat().st_size for name in info["files"]) / 1e6
    print(f"kvsbench: TIMING-ONLY stand-in in {out} ({10 * info['train_per_class']:,} train + "
          f"{10 * info['test_per_class']:,} test images, {size_mb:,.0f} MB, from "
          f"{info['source']}); use it for speed figures only, never for accuracy")
    return 0
