"""The scratch twin's epoch compiled with numba: the same maths as :mod:`scratch.mlp` and
:mod:`scratch.optimizers`, the same float32 operations in the same order, but one compiled
call per epoch and one pass over each parameter per optimizer step.

Why: the NumPy twin is the reference a learner reads, and its speed is capped by Python per
step and by NumPy making ~12 passes over W1 for one Adam step. Here the matrix products still
go to BLAS (``np.dot`` inside numba calls the same sgemm as NumPy's ``matmul``, bit for bit), and
everything between them — bias, activation, the loss from logits, the update — is one loop per
array. Differences from the NumPy twin are last-bit ones: ``exp``/``log1p`` come from LLVM
rather than NumPy's SIMD kernels, and sums run in order rather than pairwise (parity with the
NumPy twin is held to 1e-6 per epoch by tests/twins/test_compiled.py).

For an MLP with at most one hidden layer (kvsbench's models), per batch of n rows::

    A = act(X_b W1 + b1)   (n, h)         z = A W2 + b2   (n,)
    L = mean(max(z, 0) − z y + log1p(e)), e = exp(−|z|);  p = 1/(1+e) (z ≥ 0) or e/(1+e)
    dz = (p − y) / n;  dW2 = Aᵀ dz;  db2 = Σ dz;  D = (dz W2ᵀ) ⊙ act'(A);  dW1 = X_bᵀ D;  db1 = Σ D

Requires numba (``pip install ".[fast]"``); importing this module compiles nothing: the first
call of a kernel does (~10 s; numba caches the machine code on disk, so later processes load it
in well under a second), and :func:`warm_up` makes that happen outside any timed epoch.
"""

from __future__ import annotations

import math

import numba
import numpy as np

SGD, MOMENTUM, RMSPROP, ADAM = 0, 1, 2, 3
RULES = {"SGD": SGD, "RMSprop": RMSPROP, "Adam": ADAM}
RELU, SIGMOID, TANH, LEAKY_RELU = 0, 1, 2, 3
ACTIVATIONS = {"relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "leaky_relu": LEAKY_RELU}
#: NumPy's float semantics (no ZeroDivisionError checks that block vectorisation), no
#: reassociation or fused multiply-adds: the same IEEE operations as the NumPy twin
_JIT = {"error_model": "numpy", "fastmath": False, "nogil": True, "cache": True}


@numba.njit(**_JIT)
def fused_update(w, g, s1, s2, rule, lr, c1, c2, eps, alpha):
    """One optimizer step on one flat parameter, one pass (Keras' rules, scratch's op order).

    SGD ``w −= g·lr``; momentum (c1 = β) ``v = v·β − g·lr; w += v``; RMSprop (c1 = ρ,
    c2 = 1 − ρ) ``s = s·ρ + g²·(1−ρ); w −= g / sqrt(s + ε) · lr``; Adam (c1 = 1 − β1,
    c2 = 1 − β2) ``m += (g − m)·(1−β1); v += (g² − v)·(1−β2); w −= m·α / (sqrt(v) + ε)``.
    """
    # one loop per rule (not a branch inside one loop), so that LLVM can vectorise each
    if rule == SGD:
        for i in range(w.size):
            w[i] -= g[i] * lr
    elif rule == MOMENTUM:
        for i in range(w.size):
            v = s1[i] * c1
            v -= g[i] * lr
            s1[i] = v
            w[i] += v
    elif rule == RMSPROP:
        for i in range(w.size):
            gi = g[i]
            s = s1[i] * c1
            s += (gi * gi) * c2
            s1[i] = s
            w[i] -= (gi / np.sqrt(s + eps)) * lr
    else:
        for i in range(w.size):
            gi = g[i]
            m = s1[i] + (gi - s1[i]) * c1
            v = s2[i] + (gi * gi - s2[i]) * c2
            s1[i] = m
            s2[i] = v
            w[i] -= (m * alpha) / (np.sqrt(v) + eps)


@numba.njit(**_JIT)
def _activate(A, act, slope):
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            a = A[i, j]
            if act == RELU:
                A[i, j] = max(a, np.float32(0))
            elif act == SIGMOID:
                e = np.exp(-abs(a))
                d = e + np.float32(1)
                A[i, j] = np.float32(1) / d if a >= 0 else e / d
            elif act == TANH:
                A[i, j] = np.tanh(a)
            else:
                A[i, j] = max(a, a * slope)


@numba.njit(**_JIT)
def _backward(A, D, act, slope):
    A1, D1 = A.reshape(-1), D.reshape(-1)
    if act == RELU:
        for i in range(A1.size):
            D1[i] = D1[i] * (np.float32(1) if A1[i] > 0 else np.float32(0))
    elif act == SIGMOID:
        for i in range(A1.size):
            D1[i] = D1[i] * ((np.float32(1) - A1[i]) * A1[i])
    elif act == TANH:
        for i in range(A1.size):
            D1[i] = D1[i] * (np.float32(1) - A1[i] * A1[i])
    else:
        for i in range(A1.size):
            D1[i] = D1[i] * (np.float32(1) if A1[i] > 0 else slope)


@numba.njit(**_JIT)
def train_epoch(X, y, W1, b1, W2, b2, slots, bs, act, slope, rule, lr, c1, c2, eps,
                alphas, A, D, z, dz, grads):
    """One epoch over X (n, f) / y (n,) in their order, one step per batch of ``bs`` rows.

    ``W2``/``b2`` of size 0 mean logistic regression (``W1`` (f, 1) is the only layer).
    ``slots``: two per parameter (W1, b1, W2, b2 order), flat; ``alphas``: Adam's α of each
    step; A, D (bs, h), z, dz (bs, 1) buffers; ``grads``: flat gradient buffers. Returns the
    Keras-way (loss, correct count), loss NaN when a batch's loss is not finite.
    """
    n_all = X.shape[0]
    hidden = W2.size > 0
    loss_sum = 0.0
    correct = 0
    step = 0
    for start in range(0, n_all, bs):
        stop = min(start + bs, n_all)
        n = stop - start
        Xb = X[start:stop]
        zb = z[:n]
        if hidden:
            Ab = A[:n]
            np.dot(Xb, W1, Ab)
            for i in range(n):
                for j in range(Ab.shape[1]):
                    Ab[i, j] += b1[j]
            _activate(Ab, act, slope)
            np.dot(Ab, W2, zb)
            bias = b2[0]
        else:
            np.dot(Xb, W1, zb)
            bias = b1[0]
        total = np.float32(0)
        dzb = dz[:n]
        nf = np.float32(n)
        for i in range(n):
            zi = zb[i, 0] + bias
            yi = y[start + i]
            e = np.exp(-abs(zi))
            term = max(zi, np.float32(0)) - zi * yi
            term += np.log1p(e)
            total += term
            p = np.float32(1) / (e + np.float32(1)) if zi >= 0 else e / (e + np.float32(1))
            if (p > np.float32(0.5)) == (yi > np.float32(0.5)):
                correct += 1
            dzb[i, 0] = (p - yi) / nf
        batch_loss = total / nf
        if not math.isfinite(batch_loss):
            return math.nan, 0
        loss_sum += float(batch_loss) * n
        gW1, gb1, gW2, gb2 = grads
        if hidden:
            Ab = A[:n]
            Db = D[:n]
            np.dot(Ab.T, dzb, gW2.reshape(W2.shape))
            s = np.float32(0)
            for i in range(n):
                s += dzb[i, 0]
            gb2[0] = s
            np.dot(dzb, W2.T, Db)
            _backward(Ab, Db, act, slope)
            np.dot(Xb.T, Db, gW1.reshape(W1.shape))
            for j in range(Db.shape[1]):
                s = np.float32(0)
                for i in range(n):
                    s += Db[i, j]
                gb1[j] = s
        else:
            np.dot(Xb.T, dzb, gW1.reshape(W1.shape))
            s = np.float32(0)
            for i in range(n):
                s += dzb[i, 0]
            gb1[0] = s
        alpha = alphas[step]
        fused_update(W1.reshape(-1), gW1, slots[0], slots[1], rule, lr, c1, c2, eps, alpha)
        fused_update(b1, gb1, slots[2], slots[3], rule, lr, c1, c2, eps, alpha)
        if hidden:
            fused_update(W2.reshape(-1), gW2, slots[4], slots[5], rule, lr, c1, c2, eps, alpha)
            fused_update(b2, gb2, slots[6], slots[7], rule, lr, c1, c2, eps, alpha)
        step += 1
    return loss_sum / n_all, correct


class CompiledEpoch:
    """The compiled epoch of one :class:`scratch.mlp.MLP` (≤ 1 hidden layer) and one scratch
    optimizer (SGD with or without momentum, RMSprop, Adam): it updates the model's parameters
    in place and keeps its own optimizer slots; the optimizer object supplies the rule, the
    hyperparameters and the learning-rate schedule (by its ``iterations`` counter)."""

    def __init__(self, model, optimizer):
        if len(model.hidden_units) > 1:
            raise ValueError("The compiled epoch handles at most one hidden layer. "
                             f"Received: hidden_units={model.hidden_units}")
        kind = type(optimizer).__name__
        if kind not in RULES or getattr(optimizer, "nesterov", False) \
                or getattr(optimizer, "centered", False) or getattr(optimizer, "amsgrad", False) \
                or (kind == "RMSprop" and optimizer.momentum > 0):
            raise ValueError(f"No compiled update for {optimizer!r}: use the NumPy twin.")
        self.model, self.optimizer = model, optimizer
        self.rule = RULES[kind]
        if kind == "SGD" and optimizer.momentum > 0:
            self.rule = MOMENTUM
        f32 = np.float32
        o = optimizer
        self.c1, self.c2 = {
            SGD: (f32(0), f32(0)), MOMENTUM: (f32(getattr(o, "momentum", 0)), f32(0)),
            RMSPROP: (f32(getattr(o, "rho", 0)), f32(1 - getattr(o, "rho", 0))),
            ADAM: (f32(1 - getattr(o, "beta_1", 0)), f32(1 - getattr(o, "beta_2", 0))),
        }[self.rule]
        self.eps = f32(getattr(o, "epsilon", 0.0))
        params = model.params
        self.W1, self.b1 = params[0], params[1]
        self.W2, self.b2 = ((params[2], params[3]) if len(params) == 4
                            else (np.zeros((0, 1), np.float32), np.zeros(0, np.float32)))
        self.slots = tuple(np.zeros(p.size, np.float32)
                           for p in (self.W1, self.b1, self.W2, self.b2) for _ in range(2))
        self.grads = tuple(np.empty(p.size, np.float32)
                           for p in (self.W1, self.b1, self.W2, self.b2))
        self.act = ACTIVATIONS[model.activation]
        self._buffers = {}

    def _buffers_for(self, bs: int):
        if bs not in self._buffers:
            h = self.W1.shape[1]
            self._buffers[bs] = (np.empty((bs, h), np.float32), np.empty((bs, h), np.float32),
                                 np.empty((bs, 1), np.float32), np.empty((bs, 1), np.float32))
        return self._buffers[bs]

    def _alphas(self, steps: int):
        """Adam's α = lr·sqrt(1 − β2^t) / (1 − β1^t) for the epoch's steps, in float32 as
        :meth:`scratch.optimizers.Adam.update_step` computes it."""
        o = self.optimizer
        if self.rule != ADAM:
            return np.zeros(steps, np.float32)
        f32 = np.float32
        lr = f32(o.current_learning_rate)
        t0 = o.iterations + 1
        b1, b2, one = f32(o.beta_1), f32(o.beta_2), f32(1)
        return np.array([lr * np.sqrt(one - b2 ** f32(t)) / (one - b1 ** f32(t))
                         for t in range(t0, t0 + steps)], np.float32)

    def __call__(self, X, y, batch_size: int) -> tuple[float, float]:
        """Train one epoch on X (n, f) float32 C-contiguous, y (n,) float32; → (loss, acc)."""
        n = X.shape[0]
        bs = min(batch_size, n)
        steps = -(-n // bs)
        A, D, z, dz = self._buffers_for(bs)
        lr = np.float32(self.optimizer.current_learning_rate)
        loss, correct = train_epoch(
            X, y, self.W1, self.b1, self.W2, self.b2, self.slots, bs, self.act, np.float32(0.2),
            self.rule, lr, self.c1, self.c2, self.eps, self._alphas(steps), A, D, z, dz,
            self.grads)
        self.optimizer.iterations += steps
        if not math.isfinite(loss):
            return math.nan, math.nan
        return loss, correct / n


def warm_up() -> float:
    """Compile every kernel now (a tiny problem through each rule), returning the seconds it
    took: compilation is reported apart, like Keras' tracing, never inside an epoch."""
    import time

    from scratch.mlp import MLP
    from scratch.optimizers import SGD as ScratchSGD
    from scratch.optimizers import Adam, RMSprop

    t0 = time.perf_counter()
    X = np.zeros((4, 3), np.float32)
    y = np.zeros(4, np.float32)
    for hidden in ((2,), ()):
        for opt in (ScratchSGD(0.1), ScratchSGD(0.1, momentum=0.9), RMSprop(0.1), Adam(0.1)):
            CompiledEpoch(MLP(3, hidden), opt)(X, y, 2)
    return time.perf_counter() - t0
