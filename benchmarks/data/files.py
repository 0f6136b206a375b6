"""Fashion-MNIST's four files: where they are, downloading them, reading them once, provenance.

Data flows one way: :func:`load_fashion_mnist` finds and reads the four IDX files (NumPy and the
standard library only; Keras is imported lazily, and only to download);
:func:`benchmarks.data.pairs.load_pair` cuts two classes into train / validation / test splits
under a named protocol.

Where the files come from, in order (docs/data.md):

1. ``data_dir`` (the CLI's ``--data-dir``);
2. the ``FASHION_MNIST_DIR`` environment variable;
3. the Keras cache, ``$KERAS_HOME`` or ``~/.keras``, then ``datasets/fashion-mnist/``;
4. a download through ``keras.utils.get_file`` from the origin ``keras.datasets.fashion_mnist``
   uses, checked against the official MD5s, into that Keras cache.

A directory named explicitly (1 or 2) must hold all four files: it is never skipped silently.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.data.idx import file_digest, load_idx_pair
from benchmarks.data.standin_marker import complete_standin_marker
from benchmarks.errors import DataError

ENV_VAR = "FASHION_MNIST_DIR"
# The four files without their ".gz"; a directory may hold either the gzip or the raw file.
FILE_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
# keras/src/datasets/fashion_mnist.py: the origin, file names and cache subdirectory Keras uses.
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
KERAS_CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
OFFICIAL_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
PROBE_TIMEOUT_S = 5.0  # reachability check of the download host, so offline fails fast
DOWNLOAD_TIMEOUT_S = 60.0  # socket timeout while get_file runs, so a stalled transfer fails
_POINT_AT_COPY = (
    "put the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; gzip or raw) in a directory and pass "
    f"--data-dir DIR or set {ENV_VAR}=DIR (e.g. ../shared/fashion-mnist-subset), or copy them "
    "into the Keras cache with kvsbench data import DIR"
)



@dataclass(frozen=True)
class DataSource:
    """Where the Fashion-MNIST files were found.

    kind : one of ``"data_dir"``, ``"env"``, ``"keras_cache"``, ``"download"``.
    directory : the directory holding the four files (resolved).
    """

    kind: str
    directory: Path

    def __str__(self) -> str:
        label = {
            "data_dir": "--data-dir",
            "env": ENV_VAR,
            "keras_cache": "Keras cache",
            "download": "downloaded to the Keras cache",
        }[self.kind]
        return f"{label} {self.directory}"


def keras_cache_dir() -> Path:
    """``$KERAS_HOME/datasets/fashion-mnist``, or ``~/.keras/datasets/fashion-mnist``."""
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return Path(home).expanduser() / KERAS_CACHE_SUBDIR


def _find_files(directory: Path) -> tuple[list[Path], list[str]]:
    """(paths found, names missing) of the four files; each may be ``NAME.gz`` or raw ``NAME``."""
    found, missing = [], []
    for stem in FILE_STEMS:
        path = next(
            (directory / n for n in (f"{stem}.gz", stem) if (directory / n).is_file()), None
        )
        if path is None:
            missing.append(f"{stem}.gz")
        else:
            found.append(path)
    return found, missing


def _explicit_dir(directory: str | os.PathLike, kind: str) -> DataSource:
    where = "--data-dir" if kind == "data_dir" else ENV_VAR
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise DataError(
            f"Fashion-MNIST directory {path} (from {where}) does not exist or is not a "
            f"directory; {_POINT_AT_COPY}"
        )
    _, missing = _find_files(path)
    if missing:
        raise DataError(
            f"Fashion-MNIST directory {path} (from {where}) lacks {', '.join(missing)} "
            f"(gzip or raw); {_POINT_AT_COPY}"
        )
    return DataSource(kind, path.resolve())


def resolve_data_dir(
    data_dir: str | os.PathLike | None = None, download: bool = True
) -> DataSource:
    """Find (or download) the directory holding the four files, in the order of docs/data.md.

    Raises
    ------
    DataError
        An explicit directory (``data_dir`` or ``FASHION_MNIST_DIR``) that lacks a file; or no
        copy anywhere and no download possible (the message lists every place looked in).
    """
    if data_dir is not None and str(data_dir) != "":
        return _explicit_dir(data_dir, "data_dir")
    env = os.environ.get(ENV_VAR)
    if env:
        return _explicit_dir(env, "env")
    cache = keras_cache_dir()
    _, missing = _find_files(cache)
    if not missing:
        return DataSource("keras_cache", cache.resolve())
    looked = [
        "--data-dir (not given)",
        f"{ENV_VAR} (not set)",
        f"Keras cache {cache} ("
        + ("does not exist" if not cache.is_dir() else f"lacks {', '.join(missing)}")
        + ")",
    ]
    if not download:
        reason = "downloading is switched off"
    else:
        try:
            return DataSource("download", download_fashion_mnist(cache.parent.parent))
        except DataError as exc:
            reason = str(exc)
    raise DataError(
        f"Fashion-MNIST not found: looked in {'; '.join(looked)}; and {reason}. "
        f"To use a copy, {_POINT_AT_COPY}"
    )


def _probe_host(host: str, port: int, timeout: float) -> None:
    """Open and close a TCP connection to ``host:port`` within ``timeout`` seconds in all.

    The connection runs in a daemon thread so that a slow DNS lookup (which the socket timeout
    does not cover) cannot hang the caller either. Raises OSError if it cannot connect in time.
    """
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    thread = threading.Thread(target=connect, name="kvsbench-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError(f"no answer within {timeout:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _keras_get_file():
    """``keras.utils.get_file``; Keras is imported here only (reading needs NumPy alone)."""
    from keras.utils import get_file

    return get_file


def download_fashion_mnist(keras_home: str | os.PathLike | None = None,
                           origin: str = ORIGIN) -> Path:
    """Download the four files with Keras' ``get_file`` into the Keras cache.

    They land in ``<keras_home>/datasets/fashion-mnist/`` (``keras_home`` defaults to
    ``$KERAS_HOME`` or ``~/.keras``). The origin and file names are those of
    ``keras.datasets.fashion_mnist`` (``origin``: a mirror, ``file://`` too); each file is
    checked against its official MD5. An HTTP host is probed first with a short timeout so
    that an offline machine fails in seconds instead of hanging.

    Returns
    -------
    Path
        The directory the files are in.

    Raises
    ------
    DataError
        Host unreachable, transfer failed, or an MD5 mismatch.
    """
    from urllib.parse import urlsplit

    home = Path(keras_home).expanduser() if keras_home else keras_cache_dir().parent.parent
    origin = origin if origin.endswith("/") else origin + "/"
    url = urlsplit(origin)
    if url.scheme in ("http", "https"):
        try:
            _probe_host(url.hostname or "", url.port or (443 if url.scheme == "https" else 80),
                        PROBE_TIMEOUT_S)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise DataError(
                f"could not download: {url.hostname} is unreachable ({reason})") from None
    get_file = _keras_get_file()
    # Keras' get_file falls back to /tmp/.keras when cache_dir is not writable (or absent)
    (home / KERAS_CACHE_SUBDIR).mkdir(parents=True, exist_ok=True)
    paths = []
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        for name, md5 in OFFICIAL_MD5.items():
            try:
                path = get_file(
                    fname=name,
                    origin=origin + name,
                    file_hash=md5,
                    hash_algorithm="md5",
                    cache_subdir=KERAS_CACHE_SUBDIR,
                    cache_dir=str(home),
                )
            except Exception as exc:  # get_file raises bare Exception (fetch) / ValueError (MD5)
                _drop_unless(home / KERAS_CACHE_SUBDIR / name, md5)  # no bad file is left
                text = " ".join(str(exc).split())
                raise DataError(f"could not download {origin + name}: {text}") from None
            paths.append(Path(path))
    finally:
        socket.setdefaulttimeout(previous_timeout)
    return paths[0].parent.resolve()


def _drop_unless(path: Path, md5: str) -> None:
    """Remove ``path`` unless its MD5 is ``md5`` (a failed download leaves no bad file)."""
    try:
        if file_digest(path, "md5") != md5:
            path.unlink()
    except OSError:
        pass


# --------------------------------------------------------------------------- reading, cached

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@functools.lru_cache(maxsize=4)
def _read_dir(directory: str, stamp: tuple) -> Arrays:
    # `stamp` (size and mtime of each file) is part of the cache key: a rewritten file is re-read.
    files, missing = _find_files(Path(directory))
    if missing:
        raise DataError(f"Fashion-MNIST directory {directory} lacks {', '.join(missing)}")
    train = load_idx_pair(files[0], files[1])
    test = load_idx_pair(files[2], files[3])
    for array in (*train, *test):
        array.flags.writeable = False
    return train, test


def _stamp(directory: Path) -> tuple:
    files, _ = _find_files(directory)
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def load_fashion_mnist_with_source(
    data_dir: str | os.PathLike | None = None, download: bool = True
) -> tuple[Arrays, DataSource]:
    """Like :func:`load_fashion_mnist`, and also where the files were found."""
    source = resolve_data_dir(data_dir, download=download)
    complete_standin_marker(source.directory)  # a corrupt or half-built stand-in is refused
    return _read_dir(str(source.directory), _stamp(source.directory)), source


def load_fashion_mnist(data_dir: str | os.PathLike | None = None, download: bool = True) -> Arrays:
    """Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` returns it.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        A directory with the four IDX files (gzip or raw). Without it: ``FASHION_MNIST_DIR``,
        the Keras cache, then a download (see the module docstring).
    download : bool, default True
        Allow the download as the last resort.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        uint8 arrays of shapes (n_train, 28, 28), (n_train,), (n_test, 28, 28), (n_test,),
        labels in 0..9. They are cached per directory and READ-ONLY: copy before modifying.
    """
    return load_fashion_mnist_with_source(data_dir, download=download)[0]


def clear_cache() -> None:
    """Forget the arrays read so far (the next load reads the files again)."""
    _read_dir.cache_clear()


def is_official_file(path: Path) -> bool:
    """Is ``path`` Fashion-MNIST's own file: its MD5 is :data:`OFFICIAL_MD5`'s (the one
    source of ``kvsbench data verify`` and of :func:`data_kind`)."""
    return file_digest(path, "md5") == OFFICIAL_MD5.get(Path(path).name)


def data_kind(directory: Path) -> str:
    """What a directory of the four files is: ``"standin"`` (a timing-only stand-in: its
    marker), ``"official"`` (all four MD5s are Fashion-MNIST's own) or ``"subset"`` (any other
    copy: its t10k files need not be the official test set; the offline subset's are later
    training images)."""
    if complete_standin_marker(directory) is not None:
        return "standin"
    found, missing = _find_files(Path(directory))
    return "official" if not missing and all(map(is_official_file, found)) else "subset"


def data_provenance(data_dir: str | os.PathLike | None = None) -> dict:
    """Where the loader takes Fashion-MNIST from, and whether it is a timing-only stand-in.

    Resolved as the loader does (``data_dir``, ``FASHION_MNIST_DIR``, the Keras cache), without
    downloading. Returns ``{"data_dir": resolved directory, "source": e.g. "FASHION_MNIST_DIR
    /path", "kind": :func:`data_kind`, "timing_only": bool, "standin": the stand-in's marker
    dict or None}``.

    Raises
    ------
    DataError
        No copy found (see :func:`resolve_data_dir`), or a corrupt or half-built stand-in.
    """
    source = resolve_data_dir(data_dir, download=False)
    marker = complete_standin_marker(source.directory)
    return {
        "data_dir": str(source.directory),
        "source": str(source),
        "kind": data_kind(source.directory),
        "timing_only": marker is not None,
        "standin": marker,
    }
