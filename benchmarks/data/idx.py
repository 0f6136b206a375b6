"""IDX files (the MNIST / Fashion-MNIST format): a strict reader, a writer, and an image/label pair.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 dimensions, then the payload in C order. Fashion-MNIST uses type ``0x08`` (uint8):
images have magic 2051 (``0x00000803``, 3 dims: n, 28, 28) and labels magic 2049
(``0x00000801``, 1 dim: n). Files may be gzip-compressed; that is detected from the first two
bytes (``1f 8b``), never from the file name.

Only NumPy and the standard library are used. Every problem is a :class:`DataError` whose one
line names the file, says what is wrong and what to do.
"""

from __future__ import annotations

import gzip as gziplib  # `gzip` is write_idx's keyword argument
import hashlib
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from benchmarks import bounded
from benchmarks.errors import DataError

__all__ = [
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "IMAGE_SHAPE",
    "N_CLASSES",
    "read_idx",
    "write_idx",
    "load_idx_pair",
]

IMAGES_MAGIC = 2051  # 0x00000803: uint8, 3 dimensions (n, rows, cols)
LABELS_MAGIC = 2049  # 0x00000801: uint8, 1 dimension (n,)
IMAGE_SHAPE = (28, 28)
N_CLASSES = 10

_UINT8 = 0x08
_GZIP_MAGIC = b"\x1f\x8b"
_KIND = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
_FIX = "re-download it or point --data-dir / FASHION_MNIST_DIR at a good copy"


def _fail(path: Path, problem: str) -> DataError:
    return DataError(f"IDX file {path}: {problem}; {_FIX}")


#: the largest IDX payload read (the official training images are 47 MB; a real-size stand-in
#: the same): more is not Fashion-MNIST, and a gzip bomb stops here
MAX_IDX_BYTES = 256 * 2**20
#: bytes decompressed per step, so that the header's size is checked as the stream grows
_CHUNK = 1 << 20
#: trailing bytes after a gzip stream's declared payload that are decompressed to be counted
_TRAILING_SHOWN = 1 << 16


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip magic ``1f 8b``: a regular
    file of at most :data:`MAX_IDX_BYTES` (:mod:`benchmarks.bounded`), decompressed no further
    than the size its IDX header declares (:func:`_gunzip`)."""
    if not path.exists():
        raise DataError(f"IDX file {path} not found; {_FIX}")
    if path.is_dir():
        raise DataError(f"IDX file {path} is a directory, not a file; {_FIX}")
    try:
        raw = bounded.read_bytes(path, MAX_IDX_BYTES, error=DataError)
    except DataError as exc:
        raise DataError(f"IDX file {exc} {_FIX}") from None
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return _gunzip(path, raw)
    except EOFError:
        raise _fail(path, "truncated gzip stream (the download was cut short)") from None
    except (gziplib.BadGzipFile, zlib.error, OSError) as exc:
        raise _fail(path, f"corrupted gzip stream ({exc})") from None


def _gunzip(path: Path, raw: bytes) -> bytes:
    """The gzip stream ``raw`` decompressed a chunk at a time, up to the size the IDX header
    at its start declares plus :data:`_TRAILING_SHOWN` bytes (up to that, :func:`read_idx`
    counts the trailing bytes; past it the stream is refused here) and never past
    :data:`MAX_IDX_BYTES`: a 1 MB gzip bomb once took 2.2 GB before it was refused."""
    out = bytearray()
    expected = None
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = raw
    while True:
        out += d.decompress(data, _CHUNK)
        data = d.unconsumed_tail
        if expected is None:
            expected = _declared_size(out)
        if expected is not None and len(out) > expected + _TRAILING_SHOWN:
            raise _fail(path, f"more than {_TRAILING_SHOWN:,} bytes after the {expected:,} "
                        "its IDX header declares (a damaged file, or a gzip bomb); "
                        "decompression stopped there")
        if len(out) > MAX_IDX_BYTES:
            raise _fail(path, f"the gzip stream holds more than {MAX_IDX_BYTES >> 20} MiB, "
                        "more than any Fashion-MNIST file (a damaged file or a gzip bomb)")
        if d.eof:
            if d.unused_data[:2] != _GZIP_MAGIC:  # one member, or garbage after it
                return bytes(out)
            data, d = d.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif not data:
            raise EOFError


def _declared_size(head: bytes) -> int | None:
    """The whole file's size by its IDX header (header + uint8 payload); the size read so
    far when the header is not a uint8 IDX header (:func:`read_idx` says why); None while the
    header is incomplete."""
    if len(head) < 4:
        return None
    if head[0] or head[1] or head[2] != _UINT8 or head[3] == 0:
        return 4
    header_len = 4 + 4 * head[3]
    if len(head) < header_len:
        return None
    size = 1
    for k in range(head[3]):
        size *= int.from_bytes(head[4 + 4 * k: 8 + 4 * k], "big")
    return header_len + size


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read one uint8 IDX file (gzip or raw) and check it from header to last byte.

    Parameters
    ----------
    path : str or PathLike
        The file. Gzip is detected by its magic bytes, so the name does not matter.
    expected_magic : int, optional
        ``IMAGES_MAGIC`` (2051) or ``LABELS_MAGIC`` (2049) to insist on Fashion-MNIST images
        (3 dims, each image 28x28) or labels (1 dim). ``None`` accepts any uint8 IDX file.

    Returns
    -------
    ndarray of uint8, shape given by the header (e.g. (n, 28, 28) or (n,))
        A read-only view of the file's payload (``.copy()`` it to modify).

    Raises
    ------
    DataError
        Missing file, corrupted or truncated gzip stream, bad magic number, wrong number of
        dimensions, images not 28x28, payload shorter (truncated) or longer (trailing bytes)
        than the header declares.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise _fail(path, f"truncated: {len(data)} bytes, too short for the IDX magic number")
    magic = int.from_bytes(data[:4], "big")
    zero, dtype_code, ndim = data[0] << 8 | data[1], data[2], data[3]
    if zero != 0 or dtype_code != _UINT8 or ndim == 0:
        raise _fail(
            path,
            f"bad magic number 0x{magic:08x} ({magic}); not a uint8 IDX file "
            f"(Fashion-MNIST images are {IMAGES_MAGIC}, labels {LABELS_MAGIC})",
        )
    if expected_magic is not None and magic != expected_magic:
        want = _KIND.get(expected_magic, "IDX")
        want_ndim = expected_magic & 0xFF
        if magic >> 8 == expected_magic >> 8:  # right type, wrong dimension count
            problem = (
                f"header declares {ndim} dimension(s) (magic {magic}) but Fashion-MNIST "
                f"{want} have {want_ndim} (magic {expected_magic})"
            )
        else:
            problem = (
                f"bad magic number 0x{magic:08x} ({magic}), expected {expected_magic} ({want})"
            )
        raise _fail(path, problem)
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise _fail(
            path, f"truncated header: {ndim} dimensions need {header_len} bytes, got {len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    if expected_magic == IMAGES_MAGIC and tuple(shape[1:]) != IMAGE_SHAPE:
        raise _fail(
            path,
            f"images are {shape[1]}x{shape[2]}, expected "
            f"{IMAGE_SHAPE[0]}x{IMAGE_SHAPE[1]} (is this Fashion-MNIST?)",
        )
    expected_len = int(np.prod(shape, dtype=np.int64))
    payload_len = len(data) - header_len
    if payload_len < expected_len:
        raise _fail(
            path,
            f"truncated: header declares shape {tuple(shape)} = {expected_len} bytes "
            f"but only {payload_len} follow",
        )
    if payload_len > expected_len:
        raise _fail(
            path,
            f"{payload_len - expected_len} trailing bytes after the {expected_len}-byte "
            f"payload declared by its header (shape {tuple(shape)})",
        )
    array = np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)
    array.flags.writeable = False
    return array


def write_idx(path: str | os.PathLike, array: np.ndarray, gzip: bool = True) -> Path:
    """Write a uint8 array as an IDX file (magic ``0x0000 08 <ndim>``), gzip-compressed or raw.

    Parameters
    ----------
    path : str or PathLike
        Destination; the name is used as given (no ``.gz`` is added).
    array : array_like of uint8, any shape with 1..255 dimensions
        Values must lie in 0..255; images for Fashion-MNIST are (n, 28, 28), labels (n,).
    gzip : bool, default True
        Compress the file (deterministically: mtime 0).

    Returns
    -------
    Path
        ``path``.
    """
    arr = np.asarray(array)
    if arr.ndim == 0 or arr.ndim > 255:
        raise DataError(f"write_idx: array must have 1..255 dimensions, got {arr.ndim}")
    if arr.dtype != np.uint8:
        if arr.size and (arr.min() < 0 or arr.max() > 255 or not np.all(arr == np.round(arr))):
            raise DataError(f"write_idx: values must be integers in 0..255, got dtype {arr.dtype}")
        arr = arr.astype(np.uint8)
    header = bytes([0, 0, _UINT8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + np.ascontiguousarray(arr).tobytes()
    if gzip:
        payload = gziplib.compress(payload, mtime=0)
    path = Path(path)
    path.write_bytes(payload)
    return path


def load_idx_pair(
    images_path: str | os.PathLike, labels_path: str | os.PathLike
) -> tuple[np.ndarray, np.ndarray]:
    """Read a Fashion-MNIST images file and its labels file and check they belong together.

    Returns
    -------
    images : ndarray of uint8, shape (n, 28, 28), read-only
    labels : ndarray of uint8, shape (n,), values in 0..9, read-only

    Raises
    ------
    DataError
        Any problem :func:`read_idx` finds, image and label counts that disagree, or a label
        outside 0..9.
    """
    images = read_idx(images_path, expected_magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, expected_magic=LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"IDX files disagree: {images_path} holds {images.shape[0]} images but "
            f"{labels_path} holds {labels.shape[0]} labels; {_FIX}"
        )
    if labels.size and labels.max() >= N_CLASSES:
        bad = np.flatnonzero(labels >= N_CLASSES)
        raise _fail(
            Path(labels_path),
            f"{bad.size} label(s) outside 0..{N_CLASSES - 1} "
            f"(first: {int(labels[bad[0]])} at index {int(bad[0])})",
        )
    return images, labels


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file's bytes (``"md5"`` for the official Fashion-MNIST checksums,
    ``"sha256"`` for the stand-in's marker), read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
