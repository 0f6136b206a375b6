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
from benchmarks.twins.interface import Epoch
from benchmarks.twins.threads import blas_runtime_info, blas_threads, resolve_threads
from benchmarks.twins.timing import step_seconds

#: Keras' leaky_relu slope (``scratch.activations`` and ``keras.activations`` use it too)
LEAKY_SLOPE = 0.2
#: the ε of PyTorch's RMSprop and Adam here (both added outside the root, :func:`torch_optimizer`)
RMSPROP_EPSILON = math.sqrt(1e-7)
ADAM_EPSILON = 1e-7


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
        return torch.optim.RMSprop(params, lr=learning_rate, alpha=0.9, eps=RMSPROP_EPSILON)
    if name == "adam":
        return torch.optim.Adam(params, lr=learning_rate, betas=(0.9, 0.999), eps=ADAM_EPSILON)
    raise ValueError(f"No PyTorch twin for optimizer {name!r}.")


class TorchTwin:
    """PyTorch, trained in the ordinary loop; the learning rate of each epoch from the same
    per-epoch schedule every twin uses (``scratch.schedules.epoch_schedule``)."""

    label = "PyTorch"
    requires = ("torch",)
    extra = "torch"
    style = {"ls": "-.", "lw": 1.6, "alpha": 0.9, "marker": "s", "color": "#c0392b"}
    description = "native PyTorch: nn.Sequential, BCEWithLogitsLoss, torch.optim"
    rule_twin = "benchmarks.twins.torch_rules:TorchRuleTwin"
    rule_notes = {
        "rmsprop": "different rule: ε outside the root (PyTorch's RMSprop adds "
                   "ε = sqrt(1e-7) to sqrt(s), Keras' adds 1e-7 to s inside the root)",
        "adam": "different rule: ε outside the root (PyTorch's Adam adds ε = 1e-7 to "
                "the bias-corrected root, Keras' to the uncorrected one)",
        "momentum": "different rule under a schedule: PyTorch rescales its past "
                    "velocity when the rate changes (it equals Keras' while the rate "
                    "is constant)",
    }
    order = 50

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
        #: optimizer steps taken (the schedule's position; PyTorch's SGD keeps no count)
        self.iterations = 0
        self.setup_seconds = time.perf_counter() - t0

    def _learning_rate(self, epoch: int) -> float:
        s = self.schedule
        return float(s(epoch * self.steps_per_epoch)) if callable(s) else float(s)

    @classmethod
    def configure_threads(cls, threads: int) -> None:
        import torch

        blas_threads(threads)
        torch.set_num_threads(resolve_threads(threads))
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass

    @classmethod
    def runtime_info(cls) -> dict:
        import torch

        # str(): torch's TorchVersion would import torch where the reply is unpickled
        return {**blas_runtime_info(), "torch_version": str(torch.__version__),
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
        self.iterations += -(-n // bs)
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

    # ------------------------------------------------------------------ state (step parity)

    def _params(self) -> list:
        """The parameters in Keras layer order: per Linear its weight (out, in), its bias."""
        import torch.nn as nn

        return [p for layer in self.module if isinstance(layer, nn.Linear)
                for p in (layer.weight, layer.bias)]

    def get_state(self) -> dict:
        """The state in Keras' terms: kernels and kernel slots transposed to (in, out);
        Adam's ``exp_avg``/``exp_avg_sq`` are Keras' ``momentum``/``velocity``, RMSprop's
        ``square_avg`` its ``velocity``; SGD's momentum buffer ``b`` (``b = βb + g;
        w −= lr·b``) is Keras' velocity ``v = −lr·b`` at the rate of the last step taken
        (:func:`momentum_scale`), kept in float64 so that :meth:`set_state` gives back ``b``
        bit for bit. Where a schedule changes the rate, PyTorch's next step then moves by
        ``lr_new/lr_old·β·v − lr_new·g``, Keras' by ``β·v − lr_new·g``: its rule."""
        lr = momentum_scale(self._learning_rate_at, self.iterations)
        names = self._slot_keys()
        slots = {keras: [] for keras in names}
        for p in self._params():
            st = self.optimizer.state.get(p, {})
            for keras, native in names.items():
                value = st.get(native)
                a = np.zeros(p.shape, np.float32) if value is None else value.detach().numpy()
                if keras == "momentum" and self.config.optimizer == "momentum":
                    a = -lr * a.astype(np.float64)
                slots[keras].append(_keras_layout(np.array(a)))
        weights = [_keras_layout(p.detach().numpy().copy()) for p in self._params()]
        return {"weights": weights, "slots": slots, "iterations": int(self.iterations)}

    def set_state(self, state: dict) -> None:
        import torch

        from benchmarks.twins.state import check_state

        params, names = self._params(), self._slot_keys()
        check_state(state, names, len(params))
        self.iterations = int(state["iterations"])
        for group in self.optimizer.param_groups:
            group["lr"] = self._learning_rate_at(self.iterations)
        lr = momentum_scale(self._learning_rate_at, self.iterations)
        with torch.no_grad():
            for i, p in enumerate(params):
                p.copy_(torch.from_numpy(_torch_layout(state["weights"][i], np.float32)))
                st = {} if self.config.optimizer in ("sgd", "momentum") else {
                    "step": torch.tensor(float(self.iterations))}
                for keras, native in names.items():
                    a = np.asarray(state["slots"][keras][i])
                    if native == "momentum_buffer":
                        a = -np.asarray(a, np.float64) / lr
                    st[native] = torch.from_numpy(_torch_layout(a, np.float32))
                self.optimizer.state[p] = st

    def _slot_keys(self) -> dict:
        """{Keras slot name: PyTorch state key} of the config's optimizer."""
        return {"sgd": {}, "momentum": {"momentum": "momentum_buffer"},
                "rmsprop": {"velocity": "square_avg"},
                "adam": {"momentum": "exp_avg", "velocity": "exp_avg_sq"}}[self.config.optimizer]

    def _learning_rate_at(self, step: int) -> float:
        s = self.schedule
        return float(s(step)) if callable(s) else float(s)

    def train_step(self, X, y) -> None:
        import torch

        for group in self.optimizer.param_groups:
            group["lr"] = self._learning_rate_at(self.iterations)
        self.module.train()
        self.optimizer.zero_grad()
        logits = self.module(torch.from_numpy(np.ascontiguousarray(X))).squeeze(1)
        self.loss_fn(logits, torch.from_numpy(np.ascontiguousarray(y, np.float32))).backward()
        self.optimizer.step()
        self.iterations += 1


def momentum_scale(learning_rate_at, iterations: int) -> float:
    """The rate that turns PyTorch's momentum buffer into Keras' velocity (``v = −lr·b``):
    that of the last step taken (of step 0 before any), the rate the buffer was last used at."""
    return learning_rate_at(max(int(iterations) - 1, 0))


def _keras_layout(a: np.ndarray) -> np.ndarray:
    """A parameter-shaped array from PyTorch's layout (weight (out, in)) to Keras' (kernel
    (in, out)); vectors as they are."""
    return np.ascontiguousarray(a.T) if a.ndim == 2 else a


def _torch_layout(a, dtype) -> np.ndarray:
    a = np.asarray(a, dtype=dtype)
    return np.ascontiguousarray(a.T) if a.ndim == 2 else np.ascontiguousarray(a)
