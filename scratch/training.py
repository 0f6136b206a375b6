"""Mini-batch training loop of the scratch twins, reporting epochs the way Keras does.

Keras' epoch ``loss`` and ``accuracy`` are running means over the epoch's batches, each batch
measured BEFORE its own update and weighted by its size; accuracy counts ``p > 0.5`` as class 1.
:func:`train_epoch` returns exactly those. Data for an epoch is put in order once, outside the
timed region, and batches are contiguous row slices of it (views, no copies). Inputs are checked
once per epoch; the per-batch step (``model._loss_and_grads`` when the model has it) does not
check them again.

Training flushes subnormal floats to zero by default (``flush_denormals=True``), as TensorFlow
does in the threads that run Keras: see :mod:`scratch.fpmode` for why, and for the means used
(the CPU's flush mode for the calling thread, or flushing the optimizer's slots after each step
where that mode is unavailable; ``fpmode.means()`` says which). The values only differ where a
number would have been below ``np.finfo(dtype).tiny``, about 1.2e-38 in float32.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from scratch import fpmode
from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy_from_logits

__all__ = ["History", "batch_slices", "evaluate", "fit", "train_epoch"]


def _check_batch_size(batch_size):
    if batch_size is None or batch_size == "full":
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(
            "Argument `batch_size` must be an integer >= 1, None or 'full' (full batch). "
            f"Received: batch_size={batch_size!r}"
        )
    return int(batch_size)


def batch_slices(n, batch_size):
    """Contiguous slices covering ``range(n)`` in order, the last one possibly smaller (row
    slices are views: no copies); None, "full" or >= n is one full batch."""
    batch_size = _check_batch_size(batch_size)
    if batch_size is None or batch_size >= n:
        return [slice(0, n)] if n > 0 else []
    return [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


def _as_xy(model, X, y):
    X = np.asarray(X, dtype=getattr(model, "dtype", None))
    if X.ndim != 2:
        raise ValueError(f"Argument `X` must be 2-D (n_samples, n_features). Received: {X.shape}")
    n_features = getattr(model, "n_features", X.shape[1])
    if X.shape[1] != n_features:
        raise ValueError(
            f"Argument `X` must have shape (n_samples, {n_features}). Received: X.shape={X.shape}"
        )
    y = np.asarray(y, dtype=X.dtype).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"Argument `y` must hold one label per row of X ({X.shape[0]}). Received: {y.shape[0]}"
        )
    return X, y


def train_epoch(model, optimizer, X, y, batch_size, *, flush_denormals=True, step_times=None):
    """One pass over ``X`` (n, n_features) and ``y`` in their given order, one optimizer step
    per batch → ``(loss, accuracy)`` as Keras reports an epoch (module docstring), both nan
    when a batch loss is not finite (the epoch stops there: that is how divergence shows).

    ``model`` is anything with ``loss_and_grads`` and ``params``, ``optimizer`` anything with
    ``apply_gradients``. ``step_times``, if given, gets ``time.perf_counter()`` at the start
    of each step: what splits an epoch's time into a per-step and a fixed part.
    """
    X, y = _as_xy(model, X, y)
    n = X.shape[0]
    batches = batch_slices(n, batch_size)
    step = getattr(model, "_loss_and_grads", model.loss_and_grads)  # unchecked: checked above
    params = model.params
    hits = np.empty(batches[0].stop if batches else 0, dtype=bool)  # (p > 0.5) == y of a batch
    loss_sum = 0.0
    correct = 0
    # Overflow is how divergence shows; it is detected below, so NumPy need not warn about it.
    with (
        fpmode.flush_denormals(flush_denormals) as means,
        np.errstate(over="ignore", invalid="ignore"),
    ):
        flush_slots = means == fpmode.EXPLICIT and hasattr(optimizer, "flush_subnormal_slots")
        for batch in batches:
            if step_times is not None:
                step_times.append(time.perf_counter())
            yb = y[batch]
            loss, grads, proba = step(X[batch], yb)
            if not math.isfinite(loss):
                return math.nan, math.nan
            loss_sum += loss * (batch.stop - batch.start)
            above = np.greater(proba, 0.5, out=hits[: batch.stop - batch.start])
            correct += int(np.count_nonzero(np.equal(above, yb, out=above)))
            optimizer.apply_gradients(zip(grads, params, strict=True))
            if flush_slots:
                optimizer.flush_subnormal_slots()
    if n == 0:
        return math.nan, math.nan
    return loss_sum / n, correct / n


def evaluate(model, X, y):
    """``(loss, accuracy)`` of ``model`` (anything with ``logits`` and ``dtype``) on
    ``(X, y)``, without updating it."""
    X, y = _as_xy(model, X, y)
    z = model.logits(X)
    loss = binary_crossentropy_from_logits(y, z)
    accuracy = float(np.count_nonzero((sigmoid(z) > 0.5) == y)) / max(1, y.shape[0])
    return loss, accuracy


@dataclass
class History:
    """One entry per epoch run: ``loss``, ``accuracy`` (as :func:`train_epoch`),
    ``val_loss``, ``val_accuracy`` (empty without validation data) and ``epoch_seconds`` (the
    training pass alone: no shuffling, no validation); ``diverged`` if training stopped on a
    non-finite loss."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)
    diverged: bool = False

    @property
    def epochs(self):
            return len(self.loss)


def fit(
    model,
    optimizer,
    X,
    y,
    epochs,
    batch_size=None,
    rng=None,
    orders=None,
    validation_data=None,
    on_epoch_end=None,
    flush_denormals=True,
):
    """Train for ``epochs`` epochs, stopping on a nan or inf loss → :class:`History`.

    Each epoch's order is ``orders[e]`` (e.g. the very orders fed to the Keras twin), else
    ``rng.permutation(n)``, else the data's own order; the data is reordered outside the timed
    pass. ``validation_data`` is evaluated after every epoch, and ``on_epoch_end(epoch, logs)``
    called with the History's figures of that epoch.
    """
    X, y = _as_xy(model, X, y)
    n = X.shape[0]
    batch_size = _check_batch_size(batch_size)
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 0:
        raise ValueError(f"Argument `epochs` must be an integer >= 0. Received: epochs={epochs!r}")
    if orders is not None and len(orders) < epochs:
        raise ValueError(
            f"Argument `orders` must hold one permutation per epoch ({epochs}). "
            f"Received: {len(orders)}"
        )
    if orders is None and rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"Argument `rng` must be a numpy.random.Generator. Received: rng={rng!r}")
    shuffle = orders is not None or rng is not None
    if shuffle:  # reordered copies, written in place each epoch
        X_epoch, y_epoch = np.empty_like(X), np.empty_like(y)
    else:
        X_epoch, y_epoch = X, y
    if validation_data is not None:
        X_val, y_val = _as_xy(model, *validation_data)

    history = History()
    for epoch in range(epochs):
        if shuffle:
            order = np.asarray(orders[epoch] if orders is not None else rng.permutation(n))
            if order.shape != (n,):
                raise ValueError(
                    f"Argument `orders`: orders[{epoch}] must have shape ({n},). "
                    f"Received: {order.shape}"
                )
            np.take(X, order, axis=0, out=X_epoch)
            np.take(y, order, out=y_epoch)

        start = time.perf_counter()
        loss, accuracy = train_epoch(
            model, optimizer, X_epoch, y_epoch, batch_size, flush_denormals=flush_denormals
        )
        seconds = time.perf_counter() - start

        diverged = not math.isfinite(loss)
        history.loss.append(loss)
        history.accuracy.append(accuracy)
        history.epoch_seconds.append(seconds)
        logs = {"loss": loss, "accuracy": accuracy}
        if validation_data is not None:
            val_loss, val_accuracy = (
                (math.nan, math.nan) if diverged else evaluate(model, X_val, y_val)
            )
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
            logs.update(val_loss=val_loss, val_accuracy=val_accuracy)
        logs["epoch_seconds"] = seconds
        if on_epoch_end is not None:
            on_epoch_end(epoch, logs)
        if diverged:
            history.diverged = True
            break
    return history
