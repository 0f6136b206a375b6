"""A twin's gradient against float64 finite differences, through the twin interface alone.

A twin shows no gradient, but one SGD step at learning rate 1 from a known state does:
``g = W_before − W_after`` (per tensor, in float64 from the twin's float32 arrays). The truth
is central differences of the model's mean binary cross-entropy from logits (Keras' loss),
computed here in float64 by the scratch model of the same config::

    g_fd[i] = (L(W + h·e_i) − L(W − h·e_i)) / (2h),   h = :data:`FD_STEP`

at a sample of coordinates per tensor (the largest of the twin's and some seeded random ones:
all 78,400 of a hidden kernel would take minutes). The figure of a tensor is
``‖g[S] − g_fd[S]‖ / ‖g_fd[S]‖`` over its sample S; float32 round-off of the step stays near
1e-6, a gradient off by a factor k gives |k − 1|, a tensor not updated gives 1.
"""

from __future__ import annotations

import numpy as np

#: the central-difference step (float64: truncation ~h², round-off ~1e-16/h, both ≪ 1e-6)
FD_STEP = 1e-6
#: coordinates sampled per tensor: the largest |g| of the twin's, and as many seeded random
COORDS_LARGEST = 6
COORDS_RANDOM = 6
#: the relative gradient error up to which a twin's gradient is right: float32 steps of
#: size ~1e-2 read back from float32 weights carry ~1e-6 of round-off; a gradient off by
#: 1 % is 10× over it
GRADIENT_TOLERANCE = 1e-3


def fd_gradient(config, weights, X, y, coords) -> list[np.ndarray]:
    """Central differences of the mean loss at ``weights`` for the coordinates ``coords``
    (per tensor an array of flat indices); returns the values, aligned with ``coords``."""
    from benchmarks.twins.draws import model_spec
    from scratch.models import build_model

    model = build_model(**model_spec(config, np.shape(weights[0])[0]), dtype=np.float64)
    base = [np.array(w, dtype=np.float64) for w in weights]
    X64, y64 = np.asarray(X, np.float64), np.asarray(y, np.float64)
    out = []
    for k, idx in enumerate(coords):
        values = np.empty(len(idx))
        for n, i in enumerate(idx):
            losses = []
            flat = base[k].reshape(-1)
            original = flat[i]
            for sign in (1.0, -1.0):
                flat[i] = original + sign * FD_STEP
                model.set_weights(base)
                losses.append(model.loss(X64, y64))
            flat[i] = original
            values[n] = (losses[0] - losses[1]) / (2 * FD_STEP)
        out.append(values)
    return out


def sample_coords(grads, seed: int = 0) -> list[np.ndarray]:
    """Per tensor: flat indices of its :data:`COORDS_LARGEST` largest |g| and
    :data:`COORDS_RANDOM` seeded random others (all of a small tensor)."""
    rng = np.random.default_rng(seed)
    out = []
    for g in grads:
        flat = np.abs(np.asarray(g).reshape(-1))
        if flat.size <= COORDS_LARGEST + COORDS_RANDOM:
            out.append(np.arange(flat.size))
            continue
        top = np.argsort(flat)[-COORDS_LARGEST:]
        rest = np.setdiff1d(np.arange(flat.size), top)
        out.append(np.concatenate([top, rng.choice(rest, COORDS_RANDOM, replace=False)]))
    return out


def gradient_errors(config, before, after, X, y) -> list[float]:
    """Per tensor the relative error of the twin's gradient (module docstring): ``before``
    and ``after`` are its weights around one SGD step at learning rate 1 on (X, y)."""
    grads = [np.asarray(b, np.float64) - np.asarray(a, np.float64)
             for b, a in zip(before, after, strict=True)]
    coords = sample_coords(grads)
    truth = fd_gradient(config, before, X, y, coords)
    errors = []
    for g, idx, fd in zip(grads, coords, truth, strict=True):
        mine = g.reshape(-1)[idx]
        size = np.linalg.norm(fd)
        diff = np.linalg.norm(mine - fd)
        errors.append(float(diff / size) if size > 0 else (0.0 if diff == 0 else np.inf))
    return errors
