"""2-D toy data sets (blobs, moons) and a 2-D projection of a pair, for separability plots.

The toy sets follow the conventions of a :class:`benchmarks.data.Pair`: X float32 of shape
(n, 2), y float32 0/1 of shape (n,), so the same models and plots take either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.errors import DataError

__all__ = ["ToyData", "Projection", "make_blobs_data", "make_moons_data", "project_pair_2d"]


@dataclass(frozen=True, eq=False)
class ToyData:
    """A 2-D binary data set.

    X : ndarray of float32, shape (n, 2), C-contiguous.
    y : ndarray of float32, shape (n,), values 0.0 / 1.0.
    name : ``"blobs"`` or ``"moons"``; seed : the random_state it was drawn with.
    """

    X: np.ndarray
    y: np.ndarray
    name: str
    seed: int

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def _check_n(n_samples: int) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise DataError(f"n_samples must be an integer >= 2, got {n_samples!r}")


def _toy(X: np.ndarray, y: np.ndarray, name: str, seed: int) -> ToyData:
    return ToyData(
        X=np.ascontiguousarray(X, dtype=np.float32),
        y=np.asarray(y, dtype=np.float32),
        name=name,
        seed=seed,
    )


def make_blobs_data(n_samples: int = 500, seed: int = 42, cluster_std: float = 2.0) -> ToyData:
    """Two Gaussian blobs in 2-D: ``sklearn.datasets.make_blobs(n_samples, centers=2,
    n_features=2, cluster_std=cluster_std, random_state=seed)``."""
    from sklearn.datasets import make_blobs

    _check_n(n_samples)
    if not cluster_std > 0:
        raise DataError(f"cluster_std must be > 0, got {cluster_std!r}")
    X, y = make_blobs(
        n_samples=n_samples, centers=2, n_features=2, cluster_std=cluster_std, random_state=seed
    )
    return _toy(X, y, "blobs", seed)


def make_moons_data(n_samples: int = 900, noise: float = 0.2, seed: int = 42) -> ToyData:
    """Two interleaving half-moons: ``sklearn.datasets.make_moons(n_samples, noise=noise,
    random_state=seed)``."""
    from sklearn.datasets import make_moons

    _check_n(n_samples)
    if not noise >= 0:
        raise DataError(f"noise must be >= 0, got {noise!r}")
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _toy(X, y, "moons", seed)


@dataclass(frozen=True, eq=False)
class Projection:
    """A PCA projection of standardised features.

    Z : ndarray of float32, shape (m, n_components): the projected rows.
    y : ndarray of shape (m,) or None: the labels of those rows (``y[index]``).
    index : ndarray of int64, shape (m,): which input rows were projected (all, or a sample).
    explained_variance_ratio : ndarray of float64, shape (n_components,).
    """

    Z: np.ndarray
    y: np.ndarray | None
    index: np.ndarray
    explained_variance_ratio: np.ndarray


def project_pair_2d(
    X: np.ndarray,
    y: np.ndarray | None = None,
    n_components: int = 2,
    seed: int = 0,
    max_samples: int | None = None,
) -> Projection:
    """Project rows of X to ``n_components`` dimensions: StandardScaler, then PCA.

    Parameters
    ----------
    X : ndarray of shape (n, d), e.g. ``pair.X_train`` (n, 784)
    y : ndarray of shape (n,), optional; returned subsampled alongside Z
    n_components : int, default 2
    seed : int, default 0
        random_state of the PCA solver and of the row sample.
    max_samples : int, optional
        Project at most this many rows, drawn without replacement (kept in input order).

    Returns
    -------
    Projection
        ``Z`` (m, n_components) float32, ``y``, ``index``, ``explained_variance_ratio``.
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X)
    if X.ndim != 2:
        raise DataError(f"project_pair_2d: X must have shape (n, d), got {X.shape}")
    n, d = X.shape
    if y is not None and np.shape(y) != (n,):
        raise DataError(f"project_pair_2d: y must have shape ({n},), got {np.shape(y)}")
    if not 1 <= n_components <= min(n, d):
        raise DataError(
            f"project_pair_2d: n_components must be in 1..{min(n, d)}, got {n_components}"
        )
    index = np.arange(n)
    if max_samples is not None and max_samples < n:
        if max_samples < n_components:
            raise DataError(f"max_samples must be >= n_components, got {max_samples}")
        index = np.sort(np.random.RandomState(seed).choice(n, size=max_samples, replace=False))
    rows = X[index].astype(np.float64)
    pca = PCA(n_components=n_components, random_state=seed)
    Z = pca.fit_transform(StandardScaler().fit_transform(rows))
    return Projection(
        Z=np.ascontiguousarray(Z, dtype=np.float32),
        y=None if y is None else np.asarray(y)[index],
        index=index.astype(np.int64),
        explained_variance_ratio=pca.explained_variance_ratio_,
    )
