"""The native PyTorch twin: ``nn.Sequential(nn.Linear, activation, nn.Linear)`` (a Linear and
an activation per hidden layer; one ``nn.Linear`` for logistic regression), loss from logits
(``BCEWithLogitsLoss``), trained with ``torch.optim`` in the loop a practitioner writes —
zero_grad, forward, loss, backward, step.

Imported only in the twin's worker process (``benchmarks/harness/worker.py``). Same experiment as
the other twins: the same initial weights (PyTorch keeps a Linear's weight as (out, in), the
transpose of Keras' kernel), the same batches in the same order, float32. Where PyTorch's update
rules differ from Keras', the hyperparameters are mapped so the same experiment is meant
(:func:`torch_optimizer`); docs/twins.md has the table, and the parity figure says how close it
comes.
"""

from __future__ import annotations

import math
import time

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.harness.twins import Epoch, _blas_info, _blas_threads, resolve_threads, step_seconds

#: Keras' leaky_relu slope (``scratch.activations`` and ``keras.activations`` use it too)
LEAKY_SLOPE = 0.2


def _activation(name: str):
    import torch.nn as nn

    return {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(),
            "leaky_relu": nn.LeakyReLU(LEAKY_SLOPE)}[name]


def build_module(config: ExperimentConfig, weights) -> object:
    """The config's model as ``nn.Sequential``, holding ``weights`` (Keras layer order:
    kernels (in, out) → Linear weights (out, in))."""
    import torch
    import torch.nn as nn

    n_in = int(np.shape(weights[0])[0])
    widths = () if config.model == "logreg" else (
        config.hidden_units if isinstance(config.hidden_units, tuple) else (config.hidden_units,))
    layers, width = [], n_in
    for h in widths:
        layers += [nn.Linear(width, h), _activation(config.activation)]
        width = h
    layers.append(nn.Linear(width, 1))
    module = nn.Sequential(*layers).float()
    linears = [m for m in module if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for layer, kernel, bias in zip(linears, weights[0::2], weights[1::2], strict=True):
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(np.asarray(kernel).T)))
            layer.bias.copy_(torch.from_numpy(np.asarray(bias)))
    return module


def torch_optimizer(config: ExperimentConfig, params, learning_rate: float):
    """``torch.optim`` for the config's optimizer, its hyperparameters mapped to Keras' rules.

    - momentum: PyTorch ``v = βv + g; w −= lr·v`` is Keras' ``v = βv − lr·g; w += v`` with
      the velocity scaled by −lr: identical while lr is constant (a schedule rescales
      PyTorch's past velocity by the new rate, Keras' not);
    - RMSprop: PyTorch puts ε outside the root (``g / (sqrt(s) + ε)``), Keras inside
      (``g / sqrt(s + ε)``): ε = sqrt(1e-7) matches both where s → 0 and where s ≫ ε;
      ρ = 0.9 is PyTorch's ``alpha`` (its default is 0.99);
    - Adam: PyTorch adds ε to sqrt(v̂) (bias-corrected), Keras to sqrt(v) with the correction
      folded into the step: the same ε (1e-7) differs by the factor sqrt(1 − β2^t), which
      matters only where sqrt(v) is about ε.
    """
    import torch

    name = config.optimizer
    if name == "sgd":
        return torch.optim.SGD(params, lr=learning_rate)
    if name == "momentum":
        return torch.optim.SGD(params, lr=learning_rate, momentum=config.momentum)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=learning_rate, alpha=0.9, eps=math.sqrt(1e-7))
    if name == "adam":
        return torch.optim.Adam(params, lr=learning_rate, betas=(0.9, 0.999), eps=1e-7)
    raise ValueError(f"No PyTorch twin for optimizer {name!r}.")


class TorchTwin:
    """PyTorch, trained in the ordinary loop; the learning rate of each epoch from the same
    per-epoch schedule every twin uses (``scratch.schedules.epoch_schedule``)."""

    def __init__(self, config: ExperimentConfig, weights, n_train: int):
        import torch

        from scratch.schedules import epoch_schedule

        t0 = time.perf_counter()
        torch.manual_seed(config.seed)
        torch.use_deterministic_algorithms(True)
        self.config = config
        self.batch_size = config.effective_batch_size(n_train)
        self.module = build_module(config, weights)
        self.schedule = epoch_schedule(**config.schedule_spec(n_train))
        self.steps_per_epoch = config.steps_per_epoch(n_train)
        lr = self._learning_rate(0)
        self.optimizer = torch_optimizer(config, self.module.parameters(), lr)
        self.loss_fn = torch.nn.BCEWithLogitsLoss()
        self.setup_seconds = time.perf_counter() - t0

    def _learning_rate(self, epoch: int) -> float:
        s = self.schedule
        return float(s(epoch * self.steps_per_epoch)) if callable(s) else float(s)

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        import torch

        _blas_threads(threads)
        torch.set_num_threads(resolve_threads(threads))
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass

    @classmethod
    def runtime_info(cls) -> dict:
        import torch

        # str(): torch's TorchVersion would import torch where the reply is unpickled
        return {**_blas_info(), "torch_version": str(torch.__version__),
                "torch_threads": torch.get_num_threads(),
                "torch_interop_threads": torch.get_num_interop_threads(),
                # PyTorch's own default: the eager loop, no torch.compile
                "backend": "torch", "jit_compile": False, "steps_per_execution": 1}

    def train_epoch(self, X, y, epoch: int) -> Epoch:
        import torch

        for group in self.optimizer.param_groups:
            group["lr"] = self._learning_rate(epoch)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        model, loss_fn, optimizer = self.module, self.loss_fn, self.optimizer
        n, bs = len(X), self.batch_size
        starts, loss_sum, correct = [], 0.0, 0
        model.train()
        t0 = time.perf_counter()
        for i in range(0, n, bs):
            starts.append(time.perf_counter())
            xb, yb = Xt[i:i + bs], yt[i:i + bs]
            optimizer.zero_grad()
            logits = model(xb).squeeze(1)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                end = time.perf_counter()
                return Epoch(math.nan, math.nan, end - t0, step_seconds(starts, end))
            loss_sum += loss_value * len(xb)
            correct += int(((logits > 0) == (yb > 0.5)).sum())
        end = time.perf_counter()
        return Epoch(loss_sum / n, correct / n, end - t0, step_seconds(starts, end))

    def _logits(self, X):
        import torch

        self.module.eval()
        with torch.no_grad():
            return self.module(torch.from_numpy(np.ascontiguousarray(X))).squeeze(1)

    def evaluate(self, X, y) -> tuple[float, float]:
        import torch

        logits = self._logits(X)
        yt = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
        loss = float(self.loss_fn(logits, yt))
        return loss, float(((logits > 0) == (yt > 0.5)).float().mean())

    def predict(self, X) -> np.ndarray:
        return (self._logits(X) > 0).numpy().astype(np.int8)

    def get_weights(self) -> list[np.ndarray]:
        import torch.nn as nn

        out = []
        for layer in self.module:
            if isinstance(layer, nn.Linear):
                out += [layer.weight.detach().numpy().T.copy(), layer.bias.detach().numpy().copy()]
        return out
