"""Multi-layer perceptron for binary classification, the NumPy twin of ``keras_models/mlp.py``.

The network is ``n_features -> Dense(h_1, act) -> ... -> Dense(h_L, act) -> Dense(1, sigmoid)``;
with no hidden layer it is logistic regression. Examples are ROWS: ``X`` has shape
(n_samples, n_features), and a layer computes ``Z = A_prev @ W + b`` with ``W`` of shape
(n_in, n_out), as Keras' ``Dense``.

Forward and backward, for a batch of n examples (``act'`` taken from the activation's output)::

    A_0 = X                                   (n, n_features)
    A_l = act(A_{l-1} @ W_l + b_l)            (n, h_l)
    z   = A_L @ W_out + b_out                 (n, 1)     logits
    p   = sigmoid(z)
    L   = mean(max(z, 0) - z y + log(1 + exp(-|z|)))      (cross-entropy from logits)

    dz        = (p - y) / n                   (n, 1)
    dW_out    = A_L^T dz,   db_out = sum_rows(dz)
    dA_l      = dZ_{l+1} @ W_{l+1}^T          (n, h_l)
    dZ_l      = dA_l * act'(A_l)
    dW_l      = A_{l-1}^T dZ_l,  db_l = sum_rows(dZ_l)
"""

from __future__ import annotations

import numpy as np

from scratch import activations, initializers
from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy_from_logits

__all__ = ["MLP"]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_MAX_WORKSPACES = 4  # batch sizes whose forward/backward buffers are kept


def _check_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _FLOAT_DTYPES:
        raise ValueError(f"Argument `dtype` must be float32 or float64. Received: dtype={dtype!r}")
    return dt


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Argument `{name}` must be an integer >= 1. Received: {name}={value!r}")
    return int(value)


def _check_hidden_units(hidden_units):
    if isinstance(hidden_units, (int, np.integer)) and not isinstance(hidden_units, bool):
        hidden_units = (hidden_units,)
    try:
        units = tuple(hidden_units)
    except TypeError:
        units = None
    if units is None or any(
        isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in units
    ):
        raise ValueError(
            "Argument `hidden_units` must be a tuple of integers >= 1 (empty for logistic "
            f"regression). Received: hidden_units={hidden_units!r}"
        )
    return tuple(int(h) for h in units)


class _Workspace:
    """Buffers for one batch size, so that a training step allocates nothing."""

    def __init__(self, n, hidden_units, dtype):
        self.acts = [np.empty((n, h), dtype) for h in hidden_units]
        self.deltas = [np.empty((n, h), dtype) for h in hidden_units]
        self.logits = np.empty((n, 1), dtype)
        self.dz = np.empty((n, 1), dtype)
        self.exp = np.empty(n, dtype)
        self.terms = np.empty(n, dtype)
        self.tmp = np.empty(n, dtype)
        self.proba = np.empty(n, dtype)
        self.nonneg = np.empty(n, bool)


class MLP:
    """Binary classifier: ``Dense`` hidden layers of ``hidden_units`` (an int or a tuple; ``()``
    is logistic regression) with ``activation``, then ``Dense(1, sigmoid)``, all in ``dtype``.

    ``params`` holds the live parameters in Keras' layer order, ``[W_1 (n_features, h_1),
    b_1 (h_1,), ..., W_out (h_L, 1), b_out (1,)]``, so that a Keras model's ``get_weights()``
    loads as it is. Optimizers update these arrays in place and they are never replaced
    (``set_weights`` copies into them): an optimizer's slots stay attached to them. A new
    model holds Keras' default weights, ``initialize()``.
    """

    def __init__(self, n_features=784, hidden_units=(100,), activation="relu", dtype=np.float32):
        self.n_features = _check_positive_int(n_features, "n_features")
        self.hidden_units = _check_hidden_units(hidden_units)
        self._activation = activations.get(activation)
        self.activation = self._activation.name
        self.dtype = _check_dtype(dtype)
        sizes = (self.n_features, *self.hidden_units, 1)
        self.params = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            self.params.append(np.zeros((n_in, n_out), dtype=self.dtype))
            self.params.append(np.zeros((n_out,), dtype=self.dtype))
        self._grads = [np.empty_like(p) for p in self.params]
        self._workspaces = {}
        self.initialize()

    # ------------------------------------------------------------------ weights

    def initialize(self, init="glorot_uniform", rng=None):
        """New kernels from initializer ``init``, drawn layer by layer from ``rng``
        (``default_rng(0)`` if None), and zero biases. Returns ``self``."""
        kernel_init = initializers.get(init)
        if rng is None:
            rng = np.random.default_rng(0)
        elif not isinstance(rng, np.random.Generator):
            raise ValueError(
                f"Argument `rng` must be a numpy.random.Generator. Received: rng={rng!r}"
            )
        for W, b in zip(self.params[0::2], self.params[1::2], strict=True):
            W[...] = kernel_init(W.shape, rng, self.dtype)
            b.fill(0)
        return self

    def get_weights(self):
        """Copies of ``params``."""
        return [p.copy() for p in self.params]

    def set_weights(self, weights):
        """Copy ``weights`` (the shapes of ``params``) into ``params``, cast to the model's
        dtype."""
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(
                f"Argument `weights` must hold {len(self.params)} arrays for this model. "
                f"Received: {len(weights)} arrays"
            )
        arrays = [np.asarray(w) for w in weights]
        for i, (p, w) in enumerate(zip(self.params, arrays, strict=True)):
            if w.shape != p.shape:
                raise ValueError(
                    f"Argument `weights`: weights[{i}] must have shape {p.shape}. "
                    f"Received: shape {w.shape}"
                )
        for p, w in zip(self.params, arrays, strict=True):
            np.copyto(p, w, casting="unsafe")

    def count_params(self):
        return int(sum(p.size for p in self.params))

    def get_config(self):
        return {
            "n_features": self.n_features,
            "hidden_units": self.hidden_units,
            "activation": self.activation,
            "dtype": self.dtype.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ forward

    def _check_X(self, X):
        X = np.asarray(X)
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"Argument `X` must have shape (n_samples, {self.n_features}). "
                f"Received: X.shape={X.shape}"
            )
        return X

    def _check_y(self, y, n):
        y = np.asarray(y, dtype=self.dtype).reshape(-1)
        if y.shape[0] != n:
            raise ValueError(
                f"Argument `y` must hold one label per row of X ({n}). Received: {y.shape[0]}"
            )
        return y

    def _workspace(self, n):
        ws = self._workspaces.get(n)
        if ws is None:
            if len(self._workspaces) >= _MAX_WORKSPACES:
                self._workspaces.pop(next(iter(self._workspaces)))
            ws = self._workspaces[n] = _Workspace(n, self.hidden_units, self.dtype)
        return ws

    def _forward(self, X, ws=None):
        """Hidden activations ``[A_1 (n, h_1), ...]`` and logits ``z`` (n,); with a workspace
        ``ws`` they live in its buffers, overwritten by the next call."""
        act = self._activation.forward
        A = X
        acts = []
        for layer in range(len(self.hidden_units)):
            W, b = self.params[2 * layer], self.params[2 * layer + 1]
            Z = np.matmul(A, W, out=None if ws is None else ws.acts[layer])
            Z += b
            A = act(Z, out=Z)
            acts.append(A)
        z = np.matmul(A, self.params[-2], out=None if ws is None else ws.logits)
        z += self.params[-1]
        return acts, z.reshape(-1)

    def logits(self, X):
        """Pre-sigmoid outputs (n,) of ``X`` (n, n_features)."""
        return self._forward(self._check_X(X))[1]

    def predict_proba(self, X):
        """Probabilities of class 1 (n,)."""
        z = self.logits(X)
        return sigmoid(z, out=z)

    def predict(self, X):
        """0/1 labels (n,): 1 where p > 0.5, Keras' BinaryAccuracy rule."""
        return (self.predict_proba(X) > 0.5).astype(np.int64)

    def loss(self, X, y):
        """Mean cross-entropy from the logits, as Keras computes it for a sigmoid head; ``y``
        (n,) or (n, 1) in {0, 1}."""
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        return binary_crossentropy_from_logits(y, self._forward(X)[1])

    # ------------------------------------------------------------------ backward

    def loss_and_grads(self, X, y):
        """``(loss, grads, proba)``: the forward and backward pass of the module docstring.

        ``grads`` are aligned with ``params`` and owned by the model (the next call overwrites
        them: copy them to keep them), so that a training step allocates nothing; ``proba``
        (n,) is a new array.
        """
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        loss, grads, proba = self._loss_and_grads(X, y)
        return loss, grads, proba.copy()

    def _loss_and_grads(self, X, y):
        """:meth:`loss_and_grads` without the input checks, for the training loop (which checks
        an epoch's data once): ``X`` (n, n_features) and ``y`` (n,) in the model's dtype, and
        ``proba`` a workspace buffer too."""
        n = X.shape[0]
        ws = self._workspace(n)
        acts, z = self._forward(X, ws)
        loss, proba = self._loss_and_proba(z, y, ws)

        grads, params = self._grads, self.params
        delta = ws.dz  # (n, 1): dL/dz = (p - y) / n
        np.subtract(proba, y, out=delta[:, 0])
        np.divide(delta, n, out=delta)
        backward = self._activation.backward
        for layer in range(len(self.hidden_units), -1, -1):  # output layer first
            A_prev = acts[layer - 1] if layer > 0 else X
            np.matmul(A_prev.T, delta, out=grads[2 * layer])
            np.sum(delta, axis=0, out=grads[2 * layer + 1])
            if layer > 0:
                D = np.matmul(delta, params[2 * layer].T, out=ws.deltas[layer - 1])
                delta = backward(A_prev, D, out=D)
        return loss, grads, proba

    @staticmethod
    def _loss_and_proba(z, y, ws):
        """Loss and ``p = sigmoid(z)`` sharing one ``e = exp(-|z|)``: the operations, in
        the order, of :func:`scratch.losses.binary_crossentropy_from_logits` and
        :func:`scratch.activations.sigmoid`, so the same values at one exp instead of two."""
        e = np.abs(z, out=ws.exp)
        np.negative(e, out=e)
        np.exp(e, out=e)
        terms = np.maximum(z, 0, out=ws.terms)
        terms -= np.multiply(z, y, out=ws.tmp)
        terms += np.log1p(e, out=ws.tmp)
        loss = float(terms.sum() / terms.shape[0])  # what np.mean computes, minus its overhead

        denominator = np.add(e, 1, out=ws.tmp)
        proba = np.divide(e, denominator, out=ws.proba)  # right for z < 0
        nonneg = np.greater_equal(z, 0, out=ws.nonneg)
        np.divide(1, denominator, out=proba, where=nonneg)
        return loss, proba
