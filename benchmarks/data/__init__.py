"""The data layer: Fashion-MNIST from its files to a :class:`Pair` of float32 arrays.

``classes`` names the ten classes and parses a pair, ``files`` finds, downloads and reads the four
IDX files (``idx``) once, ``pairs`` cuts two classes under a protocol; ``standin`` builds a
timing-only stand-in of the real size, ``toy`` the course's toy sets, ``command`` is
``kvsbench data``. The names below are the layer's public API, so callers write
``from benchmarks.data import load_pair``.
"""

from benchmarks.data.classes import (
    CLASS_NAMES,
    N_CLASSES,
    all_pairs,
    class_index,
    class_slug,
    pair_slug,
    parse_pair,
)
from benchmarks.data.files import (
    ENV_VAR,
    FILE_STEMS,
    OFFICIAL_MD5,
    ORIGIN,
    DataSource,
    clear_cache,
    data_kind,
    data_provenance,
    download_fashion_mnist,
    keras_cache_dir,
    load_fashion_mnist,
    load_fashion_mnist_with_source,
    resolve_data_dir,
)
from benchmarks.data.pairs import PROTOCOLS, Pair, check_pairs, fingerprint, load_pair, to_dataframe
from benchmarks.errors import DataError

__all__ = [
    "DataError",
    "CLASS_NAMES",
    "N_CLASSES",
    "PROTOCOLS",
    "ENV_VAR",
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
    "check_pairs",
    "fingerprint",
    "data_kind",
    "data_provenance",
    "to_dataframe",
]
