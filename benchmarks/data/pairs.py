"""Cutting two Fashion-MNIST classes into train / validation / test under a named protocol.

``official`` tests on the official test images; ``seed`` is the course's 60/20/20 split of the
training file (docs/data.md). :func:`load_pair` is the one entry point; :func:`check_pairs`
says before anything runs whether every pair has images; :func:`fingerprint` names the arrays a
result was made from.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.data.classes import CLASS_NAMES, pair_slug, parse_pair
from benchmarks.data.files import Arrays, load_fashion_mnist_with_source
from benchmarks.data.standin_marker import complete_standin_marker
from benchmarks.errors import DataError

PROTOCOLS = ("seed", "official")

TEST_SIZE = 0.2
VALIDATION_SIZE = 0.2


@dataclass(frozen=True, eq=False)
class Pair:
    """Two Fashion-MNIST classes cut into train / validation / test.

    X_* : ndarray of float32, shape (n, 784), C-contiguous, pixels / 255 in [0, 1].
    y_* : ndarray of float32, shape (n,), 1.0 for ``second``, 0.0 for ``first``.
    first, second : class indices; class_names : their names.
    protocol, seed : how it was split; source : where the files came from.
    timing_only : the files are a timing-only stand-in (``benchmarks/data/standin.py``): repeated
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

    Protocols (docs/data.md):

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
    timing_only = complete_standin_marker(source.directory) is not None
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
