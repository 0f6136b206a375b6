"""``kvsbench data``: get Fashion-MNIST the way a Keras user does, and see what is where.

``fetch``   download the four files through Keras' own ``get_file`` into the Keras cache
            (``$KERAS_HOME`` or ``~/.keras``, ``datasets/fashion-mnist/``), MD5-checked;
``import``  copy the four IDX files from a directory or an archive (.zip, .tar, .tar.gz, .tgz)
            into that cache, each read and checked first (magic, shape, counts);
``verify``  which files are in each place the loader looks (``--data-dir``,
            ``FASHION_MNIST_DIR``, the Keras cache), their MD5 (official or not) and counts;
``path``    the directory ``kvsbench run`` would read (nothing is downloaded).

The loader itself is :mod:`benchmarks.data`; this module only moves and inspects files.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from benchmarks.data.idx import file_digest
from benchmarks.errors import DataError

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")


# --------------------------------------------------------------------------- verify
def inspect_dir(directory: Path) -> list[dict]:
    """One dict per expected file: ``name``, ``path`` (None if absent), ``md5``, ``official``
    (the MD5 is Fashion-MNIST's own), ``count`` (images or labels) and ``problem`` (one line,
    or None). A pair of files whose counts disagree is a problem of the labels file."""
    from benchmarks.data.files import FILE_STEMS, _find_files, is_official_file
    from benchmarks.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx

    found, _ = _find_files(directory)
    by_stem = {p.name.removesuffix(".gz"): p for p in found}
    rows = []
    for stem in FILE_STEMS:
        path = by_stem.get(stem)
        row = {"name": f"{stem}.gz", "path": path, "md5": None, "official": False,
               "count": None, "problem": None if path else "missing"}
        if path is not None:
            row["md5"] = file_digest(path, "md5")
            row["official"] = is_official_file(path)
            try:
                magic = IMAGES_MAGIC if "images" in stem else LABELS_MAGIC
                row["count"] = int(read_idx(path, expected_magic=magic).shape[0])
            except DataError as exc:
                row["problem"] = str(exc)
        rows.append(row)
    for images, labels in ((rows[0], rows[1]), (rows[2], rows[3])):
        if images["count"] is not None and labels["count"] is not None \
                and images["count"] != labels["count"]:
            labels["problem"] = (f"{labels['count']} labels for {images['count']} images in "
                                 f"{images['name']}")
    return rows


def places(data_dir=None) -> list[tuple[str, Path | None]]:
    """The places the loader looks in, in its order: (what, directory or None if not set)."""
    from benchmarks.data.files import ENV_VAR, keras_cache_dir

    env = os.environ.get(ENV_VAR)
    return [
        ("--data-dir", Path(data_dir).expanduser() if data_dir else None),
        (ENV_VAR, Path(env).expanduser() if env else None),
        ("Keras cache", keras_cache_dir()),
    ]


def verify_lines(data_dir=None) -> tuple[list[str], str | None]:
    """The report of ``kvsbench data verify`` as lines, and the problem of the copy the loader
    would use (None: it is good)."""
    from benchmarks.data.files import resolve_data_dir

    try:
        used = resolve_data_dir(data_dir, download=False)
        problem = None
    except DataError as exc:
        used, problem = None, str(exc)
    lines = []
    for what, directory in places(data_dir):
        if directory is None:
            lines.append(f"{what}: not set")
            continue
        if not directory.is_dir():
            lines.append(f"{what}: {directory} (does not exist)")
            continue
        mark = "  <- kvsbench run reads this one" if used and used.directory == \
            directory.resolve() else ""
        lines.append(f"{what}: {directory}{mark}")
        rows = inspect_dir(directory)
        for r in rows:
            if r["path"] is None:
                lines.append(f"  {r['name']:<28} missing")
                continue
            origin = "official" if r["official"] else "not the official file"
            kind = "images" if "images" in r["name"] else "labels"
            state = r["problem"] or f"{r['count']:,} {kind}"
            lines.append(f"  {r['path'].name:<28} md5 {r['md5']} ({origin})  {state}")
        if any(r["path"] is not None for r in rows) and not all(r["official"] for r in rows):
            lines.append("  (not Fashion-MNIST's own files: a subset or another copy; its t10k "
                         "files may not be the official test set)")
        if used and used.directory == directory.resolve() and problem is None:
            bad = [r for r in rows if r["problem"]]
            if bad:
                problem = f"{bad[0]['path'] or bad[0]['name']}: {bad[0]['problem']}"
    return lines, problem


# --------------------------------------------------------------------------- import
def _unpack(source: Path, into: Path) -> Path:
    """``source`` itself if a directory, else the archive unpacked into ``into``."""
    if source.is_dir():
        return source
    name = source.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(source) as z:
                z.extractall(into)
        elif name.endswith((".tar", ".tar.gz", ".tgz")):
            with tarfile.open(source) as t:
                t.extractall(into, filter="data")
        else:
            raise DataError(
                f"{source} is neither a directory nor an archive ({', '.join(ARCHIVE_SUFFIXES)})"
                "; give the directory that holds the four Fashion-MNIST files, or an archive "
                "of them."
            )
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
        raise DataError(f"cannot unpack {source} ({exc}); give a good archive or a "
                        "directory.") from None
    return into


def _locate(root: Path) -> list[Path]:
    """The four files under ``root`` (at any depth; one of each, gzip or raw)."""
    from benchmarks.data.files import FILE_STEMS

    out = []
    for stem in FILE_STEMS:
        hits = sorted(p for p in root.rglob("*") if p.is_file() and p.name in (stem, f"{stem}.gz")
                      and "__MACOSX" not in p.parts)
        if not hits:
            raise DataError(f"{root} holds no {stem}.gz (or raw {stem}); give a directory or "
                            "archive with the four Fashion-MNIST IDX files.")
        dirs = {p.parent for p in hits}
        if len(hits) > 1 and len(dirs) > 1:
            raise DataError(f"{root} holds several {stem} files ({', '.join(map(str, hits))}); "
                            "give the directory of one copy.")
        out.append(next((p for p in hits if p.name.endswith(".gz")), hits[0]))
    return out


def import_files(source, dest: Path | None = None) -> tuple[Path, list[dict]]:
    """Copy the four files from ``source`` (a directory or an archive) into ``dest`` (default:
    the Keras cache), each checked first; nothing is copied unless all four are good. Each
    file is written whole; a previous copy in the other form (raw vs gzip) is removed so the
    loader cannot pick a stale one. Returns (dest, the rows of :func:`inspect_dir`)."""
    from benchmarks.atomic import atomic_path
    from benchmarks.data.files import keras_cache_dir
    from benchmarks.data.idx import load_idx_pair

    source = Path(source).expanduser()
    if not source.exists():
        raise DataError(f"{source} does not exist; give the directory that holds the four "
                        "Fashion-MNIST files, or an archive of them.")
    dest = Path(dest) if dest is not None else keras_cache_dir()
    with tempfile.TemporaryDirectory(prefix="kvsbench-import-") as tmp:
        files = _locate(_unpack(source, Path(tmp)))
        load_idx_pair(files[0], files[1])  # DataError names the bad file
        load_idx_pair(files[2], files[3])
        dest.mkdir(parents=True, exist_ok=True)
        for path in files:
            with atomic_path(dest / path.name) as out:
                shutil.copyfile(path, out)
            other = path.name.removesuffix(".gz") if path.name.endswith(".gz") \
                else f"{path.name}.gz"
            (dest / other).unlink(missing_ok=True)
    from benchmarks.data.files import clear_cache

    clear_cache()
    return dest.resolve(), inspect_dir(dest)


# --------------------------------------------------------------------------- command line
def add_parser(sub) -> None:
    """Register ``kvsbench data fetch|import|verify|path``."""
    p = sub.add_parser(
        "data",
        help="get Fashion-MNIST into the Keras cache (fetch, import) and see what is where "
        "(verify, path)",
        description="Fashion-MNIST the way Keras users get it. kvsbench reads it from "
        "--data-dir, else FASHION_MNIST_DIR, else the Keras cache ($KERAS_HOME or ~/.keras, "
        "datasets/fashion-mnist/), else downloads it there.",
    )
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    f = dsub.add_parser("fetch", help="download the four files through Keras' get_file into "
                        "the Keras cache, MD5-checked")
    from benchmarks.data.files import ORIGIN

    f.add_argument("--origin", default=ORIGIN, metavar="URL",
                   help="where to download from (a mirror; file:// works)")
    f.add_argument("--verbose", action="store_true",
                   help="show TensorFlow's own output (importing Keras starts it)")
    f.set_defaults(func=cmd_fetch)
    i = dsub.add_parser("import", help="copy the four IDX files from a directory or an archive "
                        "into the Keras cache, checked")
    i.add_argument("source", type=Path, metavar="DIR|ARCHIVE",
                   help="a directory, .zip, .tar, .tar.gz or .tgz holding the four files "
                   "(gzip or raw, at any depth)")
    i.set_defaults(func=cmd_import)
    v = dsub.add_parser("verify", help="which files are where (each place kvsbench looks), "
                        "their MD5 (official or not) and counts")
    v.add_argument("--data-dir", default=None, metavar="DIR", help="also look here first, as "
                   "kvsbench run --data-dir does")
    v.set_defaults(func=cmd_verify)
    q = dsub.add_parser("path", help="print the directory kvsbench run would read (no "
                        "download)")
    q.add_argument("--data-dir", default=None, metavar="DIR", help="as kvsbench run --data-dir")
    q.set_defaults(func=cmd_path)


def _summary(dest: Path, rows: list[dict]) -> str:
    counts = ", ".join(f"{r['count']:,}" for r in rows if r["count"] is not None)
    official = ("Fashion-MNIST's own files (MD5 match)" if all(r["official"] for r in rows)
                else "not Fashion-MNIST's own files (MD5s differ): a subset or another copy")
    return f"{dest}: {counts} (train images, labels, t10k images, labels); {official}"


def cmd_fetch(args) -> int:
    import contextlib

    from benchmarks.data.files import download_fashion_mnist, keras_cache_dir

    with contextlib.ExitStack() as stack:
        if not args.verbose:  # importing Keras starts TensorFlow, which prints its own lines
            from benchmarks.native_stderr import native_stderr_to

            log = stack.enter_context(tempfile.TemporaryDirectory(prefix="kvsbench-fetch-"))
            stack.enter_context(native_stderr_to(Path(log) / "tensorflow.log"))
        dest = download_fashion_mnist(keras_cache_dir().parent.parent, origin=args.origin)
    print(f"kvsbench: fetched into {_summary(dest, inspect_dir(dest))}")
    return 0


def cmd_import(args) -> int:
    dest, rows = import_files(args.source)
    print(f"kvsbench: imported {args.source} into {_summary(dest, rows)}")
    return 0


def cmd_verify(args) -> int:
    lines, problem = verify_lines(args.data_dir)
    print("\n".join(lines))
    if problem:
        raise DataError(problem)
    return 0


def cmd_path(args) -> int:
    from benchmarks.data.files import resolve_data_dir

    source = resolve_data_dir(args.data_dir, download=False)
    print(source.directory)
    print(f"kvsbench: from {source}", file=sys.stderr)
    return 0
