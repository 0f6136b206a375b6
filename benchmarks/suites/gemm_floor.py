"""The floor under any twin's epoch: only its matrix products, one epoch's batches, into
preallocated buffers, on NumPy's BLAS. Per batch of n rows: forward ``X_b @ W_1`` (n, h) and
``A @ W_2`` (n, 1); backward ``A^T dz`` (h, 1), ``dz W_2^T`` (n, h) and ``X_b^T dZ_1``
(784, h); logreg (``hidden`` 0) has ``X_b @ w`` and ``X_b^T dz``. Shared by the
pytest-benchmark group ``gemm-floor`` and ``tools/epoch_vs_gemm.py``, so both time the same
floor."""

from __future__ import annotations

import numpy as np


def epoch_gemms(X: np.ndarray, hidden: int, batch_size: int):
    """A function that runs the matrix products of one epoch over ``X`` (n, 784) float32 in
    batches of ``batch_size`` rows, with a hidden layer of ``hidden`` units (0: logreg)."""
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((X.shape[1], hidden or 1), dtype=np.float32)
    W2 = rng.standard_normal((hidden, 1), dtype=np.float32) if hidden else None
    buffers = {}

    def gemms():
        for start in range(0, len(X), batch_size):
            Xb = X[start:start + batch_size]
            n = len(Xb)
            if n not in buffers:
                buffers[n] = [np.empty((n, W1.shape[1]), np.float32), np.empty((n, 1), np.float32),
                              np.full((n, 1), 1e-3, np.float32),
                              np.empty((W1.shape[1], 1), np.float32), np.empty_like(W1)]
            A, z, dz, dW2, dW1 = buffers[n]
            if hidden:
                np.matmul(Xb, W1, out=A)
                np.matmul(A, W2, out=z)
                np.matmul(A.T, dz, out=dW2)
                np.matmul(dz, W2.T, out=A)
                np.matmul(Xb.T, A, out=dW1)
            else:
                np.matmul(Xb, W1, out=z)
                np.matmul(Xb.T, dz, out=dW1)

    return gemms
