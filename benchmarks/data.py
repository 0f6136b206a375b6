"""Fashion-MNIST for kvsbench: find the files, read them once, name the classes, cut a pair.

Data flows one way: :func:`load_fashion_mnist` finds and reads the four IDX files (NumPy and the
standard library only; Keras is imported lazily, and only to download), :func:`load_pair` cuts
two classes into train / validation / test splits under a named protocol.

Where the files come from, in order (docs/data.md, "Where kvsbench looks"):

1. ``data_dir`` (the CLI's ``--data-dir``);
2. the ``FASHION_MNIST_DIR`` environment variable;
3. the Keras cache, ``$KERAS_HOME`` or ``~/.keras``, then ``datasets/fashion-mnist/``;
4. a download through ``keras.utils.get_file`` from the origin ``keras.datasets.fashion_mnist``
   uses, checked against the official MD5s, into that Keras cache.

A directory named explicitly (1 or 2) must hold all four files: it is never skipped silently.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.errors import DataError
from benchmarks.idx import file_digest, load_idx_pair

__all__ = [
    "DataError",
    "CLASS_NAMES",
    "N_CLASSES",
    "PROTOCOLS",
    "FILE_STEMS",
    "OFFICIAL_MD5",
    "ORIGIN",
    "DataSource",
    "Pair",
    "class_index",
    "class_slug",
    "parse_pair",
    "pair_slug",
    "all_pairs",
    "keras_cache_dir",
    "resolve_data_dir",
    "download_fashion_mnist",
    "load_fashion_mnist",
    "load_fashion_mnist_with_source",
    "clear_cache",
    "load_pair",
    "data_provenance",
    "to_dataframe",
]

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
N_CLASSES = len(CLASS_NAMES)
PROTOCOLS = ("seed", "official")

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


# --------------------------------------------------------------------------- class names


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


_BY_NORMAL_NAME = {_norm(name): i for i, name in enumerate(CLASS_NAMES)}
_BY_NORMAL_NAME["tshirt"] = 0


def class_slug(index: int) -> str:
    """The class's name for files and the CLI: ``9 -> "ankle-boot"``, ``0 -> "t-shirt-top"``."""
    return re.sub(r"[^0-9a-z]+", "-", CLASS_NAMES[class_index(index)].lower())


def class_index(name_or_index: int | str) -> int:
    """The class index 0..9 of an index, a digit string or a class name.

    Names are case-insensitive and spaces, hyphens, underscores and slashes are ignored:
    ``"Ankle boot"``, ``"ankle-boot"``, ``"ankle_boot"`` and ``"ANKLEBOOT"`` are all 9;
    ``"t-shirt/top"``, ``"t-shirt-top"`` and ``"tshirt"`` are 0.

    Raises
    ------
    DataError
        Unknown name or index out of 0..9 (the message lists the valid names).
    """
    value = name_or_index
    if isinstance(value, (bool, np.bool_)):
        raise DataError(f"class must be an index 0..9 or a name, got {value!r}")
    if isinstance(value, (int, np.integer)):
        if 0 <= value < N_CLASSES:
            return int(value)
        raise DataError(
            f"class index {int(value)} out of range: use 0..{N_CLASSES - 1} or a name "
            f"({_valid_names()})"
        )
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return class_index(int(text))
        found = _BY_NORMAL_NAME.get(_norm(text))
        if found is not None:
            return found
        raise DataError(f"unknown class {value!r}: use an index 0..9 or one of {_valid_names()}")
    raise DataError(f"class must be an index 0..9 or a name, got {type(value).__name__} {value!r}")


def _valid_names() -> str:
    return ", ".join(f"{i} {class_slug(i)}" for i in range(N_CLASSES))


def parse_pair(text: str | Sequence[int | str]) -> tuple[int, int]:
    """``"trouser:ankle-boot" -> (1, 9)``; also ``"1:9"``, ``"Trouser:Ankle boot"``, ``(1, "bag")``.

    The order is kept: label 1 goes to the second class.

    Raises
    ------
    DataError
        Not of the form FIRST:SECOND, an unknown class, or the same class twice.
    """
    if isinstance(text, str):
        parts = text.split(":")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise DataError(
                f"bad class pair {text!r}: write it as FIRST:SECOND, e.g. trouser:ankle-boot or 1:9"
            )
    else:
        parts = list(text)
        if len(parts) != 2:
            raise DataError(f"a class pair needs exactly two classes, got {text!r}")
    first, second = class_index(parts[0]), class_index(parts[1])
    if first == second:
        raise DataError(
            f"class pair {text!r} names {CLASS_NAMES[first]} twice: pick two different classes"
        )
    return first, second


def pair_slug(pair: tuple[int | str, int | str]) -> str:
    """``(1, 9) -> "trouser:ankle-boot"`` (the inverse of :func:`parse_pair`)."""
    first, second = parse_pair(pair)
    return f"{class_slug(first)}:{class_slug(second)}"


def all_pairs() -> list[tuple[int, int]]:
    """The 45 unordered pairs ``(a, b)``, ``a < b``, in index order: (0, 1), (0, 2) ... (8, 9)."""
    return [(a, b) for a in range(N_CLASSES) for b in range(a + 1, N_CLASSES)]


# --------------------------------------------------------------------------- finding the files


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
    _standin_marker(source.directory)  # a corrupt or half-built stand-in is refused, not read
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


def _standin_marker(directory: Path) -> dict | None:
    """The ``TIMING-ONLY.json`` marker of a timing-only stand-in (``benchmarks/standin.py``),
    or None; a half-built stand-in (its build was interrupted) is refused."""
    from benchmarks.standin import standin_info

    marker = standin_info(directory)
    if marker is not None and marker.get("complete") is not True:
        raise DataError(
            f"{directory} is a half-built timing-only stand-in (its build was interrupted); "
            f"rebuild it with kvsbench standin --out {directory}"
        )
    return marker


def data_provenance(data_dir: str | os.PathLike | None = None) -> dict:
    """Where the loader takes Fashion-MNIST from, and whether it is a timing-only stand-in.

    Resolved as the loader does (``data_dir``, ``FASHION_MNIST_DIR``, the Keras cache), without
    downloading. Returns ``{"data_dir": resolved directory, "source": e.g. "FASHION_MNIST_DIR
    /path", "timing_only": bool, "standin": the stand-in's marker dict or None}``.

    Raises
    ------
    DataError
        No copy found (see :func:`resolve_data_dir`), or a corrupt or half-built stand-in.
    """
    source = resolve_data_dir(data_dir, download=False)
    marker = _standin_marker(source.directory)
    return {
        "data_dir": str(source.directory),
        "source": str(source),
        "timing_only": marker is not None,
        "standin": marker,
    }


# --------------------------------------------------------------------------- pairs

TEST_SIZE = 0.2
VALIDATION_SIZE = 0.2


@dataclass(frozen=True, eq=False)
class Pair:
    """Two Fashion-MNIST classes cut into train / validation / test.

    X_* : ndarray of float32, shape (n, 784), C-contiguous, pixels / 255 in [0, 1].
    y_* : ndarray of float32, shape (n,), 1.0 for ``second``, 0.0 for ``first``.
    first, second : class indices; class_names : their names.
    protocol, seed : how it was split; source : where the files came from.
    timing_only : the files are a timing-only stand-in (``benchmarks/standin.py``): repeated
        images, good for speed figures only, never for accuracy.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    first: int
    second: int
    class_names: tuple[str, str]
    protocol: str
    seed: int
    source: str
    timing_only: bool = False

    @property
    def slug(self) -> str:
        """``"trouser:ankle-boot"``: for file names, CSV rows and the CLI."""
        return pair_slug((self.first, self.second))

    @property
    def name(self) -> str:
        """Same as :attr:`slug`."""
        return self.slug

    @property
    def title(self) -> str:
        """``"Trouser vs Ankle boot"``: for plots and reports."""
        return f"{self.class_names[0]} vs {self.class_names[1]}"

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def sizes(self) -> dict[str, int]:
        """``{"train": n, "val": n, "test": n}``."""
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}


_PIXEL_TO_FLOAT = (np.arange(256) / 255.0).astype(np.float32)  # == uint8 / 255 as float32


def _features(images: np.ndarray, index: np.ndarray) -> np.ndarray:
    flat = images.reshape(images.shape[0], -1)
    return np.ascontiguousarray(_PIXEL_TO_FLOAT[flat[index]])


def _targets(labels: np.ndarray, index: np.ndarray, second: int) -> np.ndarray:
    return (labels[index] == second).astype(np.float32)


def _pair_index(labels: np.ndarray, first: int, second: int) -> np.ndarray:
    return np.flatnonzero((labels == first) | (labels == second))


def _check_pair(source, y_train, y_test, a: int, b: int, protocol: str) -> None:
    """Refuse (DataError) a pair the data cannot be split into: fewer than 3 training images
    of the two classes, or (``official``) no test image of either."""
    n = len(_pair_index(y_train, a, b))
    if n < 3:
        raise DataError(
            f"{source} holds {n} training images of {CLASS_NAMES[a]} and {CLASS_NAMES[b]}: "
            "too few to split; point --data-dir / FASHION_MNIST_DIR at a fuller copy"
        )
    if protocol == "official" and len(_pair_index(y_test, a, b)) == 0:
        raise DataError(
            f"{source} holds no test (t10k) images of {CLASS_NAMES[a]} or {CLASS_NAMES[b]}; "
            "point --data-dir / FASHION_MNIST_DIR at a fuller copy"
        )


def check_pairs(pairs, protocol: str = "seed",
                data_dir: str | os.PathLike | None = None) -> dict:
    """Check, before anything is trained or written, that the data can be cut into every pair
    (as :func:`load_pair` would); return the data's :func:`fingerprint`.

    Raises
    ------
    DataError
        No data, corrupt files, or a pair the data holds too few images of.
    """
    arrays, source = load_fashion_mnist_with_source(data_dir)
    (_, y_train), (_, y_test) = arrays
    for pair in pairs:
        a, b = parse_pair(pair)
        _check_pair(source, y_train, y_test, a, b, protocol)
    return fingerprint(arrays)


def fingerprint(arrays: Arrays) -> dict:
    """What identifies a copy of the data whatever its directory or compression: the number of
    training and test images and a SHA-1 over every image and label (a result directory pins
    it, so a resume on other data is refused)."""
    digest = hashlib.sha1()
    for array in (a for part in arrays for a in part):
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    (x_train, _), (x_test, _) = arrays
    return {"train_images": int(len(x_train)), "test_images": int(len(x_test)),
            "sha1": digest.hexdigest()[:16]}


def load_pair(
    first: int | str,
    second: int | str,
    protocol: str = "seed",
    data_dir: str | os.PathLike | None = None,
    seed: int = 42,
) -> Pair:
    """The images of classes ``first`` (label 0) and ``second`` (label 1), split by ``protocol``.

    Protocols (docs/data.md, "Split protocols"):

    - ``"seed"`` (the course's): the pair's TRAINING images in file order, cut by
      ``scratch.splits.split_indices(n, 0.2, 0.2, seed)``: a ``RandomState(seed)`` permutation,
      then the first 60% train, the next 20% test, the rest validation.
    - ``"official"``: the pair's training images shuffled by ``RandomState(seed).permutation``;
      the first ``int(0.2 n)`` are validation, the rest train; test = the pair's images of the
      official test file (t10k), in file order.

    The same pair, protocol, seed and files give bit-identical arrays.

    Raises
    ------
    DataError
        Unknown class or protocol, the same class twice, a bad seed, no data (see
        :func:`load_fashion_mnist`), a pair with no images, or a corrupt or half-built
        timing-only stand-in (a complete one gives ``timing_only=True``).
    """
    a, b = parse_pair((first, second))
    if protocol not in PROTOCOLS:
        raise DataError(
            f"unknown split protocol {protocol!r}: use one of {', '.join(map(repr, PROTOCOLS))}"
        )
    if (
        isinstance(seed, (bool, np.bool_))
        or not isinstance(seed, (int, np.integer))
        or not (0 <= seed < 2**32)
    ):
        raise DataError(f"seed must be an integer in 0..2**32-1, got {seed!r}")
    ((x_train, y_train), (x_test, y_test)), source = load_fashion_mnist_with_source(data_dir)
    timing_only = _standin_marker(source.directory) is not None
    _check_pair(source, y_train, y_test, a, b, protocol)
    pool = _pair_index(y_train, a, b)
    n = len(pool)
    if protocol == "seed":
        from scratch.splits import split_indices

        train_i, test_i, val_i = (
            pool[i] for i in split_indices(n, TEST_SIZE, VALIDATION_SIZE, seed)
        )
        parts = {
            "train": (x_train, y_train, train_i),
            "val": (x_train, y_train, val_i),
            "test": (x_train, y_train, test_i),
        }
    else:
        perm = np.random.RandomState(seed).permutation(n)
        n_val = int(VALIDATION_SIZE * n)
        test_i = _pair_index(y_test, a, b)
        parts = {
            "train": (x_train, y_train, pool[perm[n_val:]]),
            "val": (x_train, y_train, pool[perm[:n_val]]),
            "test": (x_test, y_test, test_i),
        }
    arrays = {}
    for split, (images, labels, index) in parts.items():
        arrays[f"X_{split}"] = _features(images, index)
        arrays[f"y_{split}"] = _targets(labels, index, b)
    return Pair(
        **arrays,
        first=a,
        second=b,
        class_names=(CLASS_NAMES[a], CLASS_NAMES[b]),
        protocol=protocol,
        seed=int(seed),
        source=str(source) + (" (timing-only stand-in)" if timing_only else ""),
        timing_only=timing_only,
    )


def to_dataframe(X: np.ndarray, y: np.ndarray, class_names: Sequence[str] | None = None):
    """A pandas DataFrame as the course notebook built it: ``z0..z{d-1}``, ``label``, ``class``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,), integer-valued labels (0/1 floats of a :class:`Pair` are fine)
    class_names : sequence of str, optional
        The name of each label value: ``pair.class_names`` for a pair's 0/1 labels. Default:
        :data:`CLASS_NAMES`, i.e. ``y`` holds Fashion-MNIST class indices 0..9.
    """
    import pandas as pd

    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise DataError(
            f"to_dataframe: need X of shape (n, d) and y of shape (n,), got {X.shape} and {y.shape}"
        )
    names = tuple(CLASS_NAMES if class_names is None else class_names)
    labels = y.astype(np.int64)
    if np.any(labels != y) or (labels.size and (labels.min() < 0 or labels.max() >= len(names))):
        raise DataError(
            f"to_dataframe: labels must be integers in 0..{len(names) - 1} to index "
            f"class_names {names}"
        )
    frame = pd.DataFrame(X, columns=[f"z{i}" for i in range(X.shape[1])])
    frame["label"] = labels
    frame["class"] = np.asarray(names, dtype=object)[labels]
    return frame
