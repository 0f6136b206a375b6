"""The ten Fashion-MNIST classes: their names, and how the CLI names a class and a pair.

A class goes by its index or its name, case and punctuation ignored (``9``, ``"ankle-boot"``,
``"Ankle boot"``); a pair is ``FIRST:SECOND``, kept in that order (label 1 is the second class).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from benchmarks.errors import DataError

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
