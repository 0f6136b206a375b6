"""Step parity: the figure that says whether a twin applies the reference's update rule.

From the reference twin's exact state (weights, optimizer slots, iteration count: so the
schedule's position too) every twin takes ONE step on the same batch, and the updates are
compared tensor by tensor::

    gap(T) = ‖max(|T_twin − T_ref| − ulp(T_ref), 0)‖ / ‖ΔT_ref‖           (float64, L2 norms)

with ``T_twin``, ``T_ref`` the tensor after each twin's step and ``ΔT_ref = T_ref − T_before``
the reference's update: the twins' updates compared, relative to the reference's update size,
less one unit in the last place (float32) of the stored result per element. That unit is
round-off whatever the rule: a weight of 0.05 moved by an SGD step of 1e-6 is stored to
±4e-9, so two right twins whose steps differ in the last bit store results one ulp apart —
0.4 % of the step, which without the allowance is the whole figure (measured: up to 7e-5 for
correct SGD twins; 1e-6 and less with it).

for every weight tensor T at every sampled step, and every optimizer slot of it
(``output/kernel:velocity``) at the run's first :data:`FIRST_STEPS` steps; a twin's figure is
the largest gap over the tensors and the sampled steps (:func:`sample_steps`). From identical
weights the forward pass is identical, so no ReLU gate can flip and nothing chaotic enters:
what is left is the update rule and float32 round-off. The slots count at the first steps
because a rule change can hide in them: Adam's β₂ 0.999 → 0.998 moves ``v``'s update by 100 %.
Later a slot's one-step change is a small correction to a long running average, and once the
model saturates it is float32 round-off: ``p − y`` at a loss of 1e-5 is a difference of
numbers near 1 whose ulp is 6e-8, so two correct twins' gradients of the output bias differ
by ~1 %, and ``Δm = (1 − β₁)(g − m)`` by as much (measured: 1.0e-2 on ``output/bias:momentum``,
scratch against Keras, trouser:ankle-boot MLP after 20 epochs at batch 128, training loss
1.3e-5). The weights' updates, which the slots only feed, stay within the tolerance there.

A step can judge a rule no finer than float32 resolves its gradient. Once the model
saturates, ``p − y`` of a sample with ``y = 1`` is ``1 − p`` held in a float32 ``p`` near 1,
whose spacing is 6e-8: at a loss of 1e-6 every float32 twin's gradient is uncertain by ~6 %,
and two correct twins' updates differ by up to a few 1e-3 (measured: 2.6e-3 on
``hidden_1/kernel``, scratch against Keras, trouser:ankle-boot MLP after 60 epochs at batch
128, training loss 1e-6). So each step's gap is taken less that step's resolution,
:func:`gradient_resolution` ``ρ = ‖spacing₃₂(p)‖ / ‖p − y‖`` over the batch (float64, from the
shared state: no twin's code enters it)::

    step parity = max over tensors and sampled steps of  max(gap(T) − ρ, 0)

ρ is ~1e-7 while the model learns (the first steps, where a rule shows itself, are judged
in full) and reaches the percent only at losses near 1e-6, where a step carries no more
information than that.

The free-running gap (``max_loss_diff``, :func:`benchmarks.harness.runner.loss_gap`) is kept as
information: at real size one gate at ±1e-7 flips, Adam amplifies it, and correct twins part.

Used by the runner between epochs (outside the timed region: the workers' ``probe`` command
puts each twin's own state back) and by anything holding worker handles and a state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: the step parity up to which a twin applies the reference's rule ("matches"); chosen by
#: measurement (tools/step_parity_margins.py, docs/parity.md): every correct twin stays below
#: it with ≥ 10× room (saturated runs too, judged beyond each step's resolution), every planted
#: rule change lands above it by ≥ 10× (21× the smallest)
STEP_PARITY_TOLERANCE = 1e-3
#: the first steps of a run checked one by one (bias correction and fresh slots act there)
FIRST_STEPS = 3
#: the free-running loss gap above which the curves count as parted (bifurcated): ~100× the
#: float32 round-off of a loss of order 1 accumulated over an epoch
BIFURCATION_GAP = 1e-5


def sample_steps(epochs: int, steps_per_epoch: int) -> list[tuple[int, int]]:
    """The (epoch, batch index) of the steps checked: the run's first :data:`FIRST_STEPS`,
    the first step of every epoch (where a schedule changes the rate), the middle step of
    every epoch, and the run's last step; sorted, each once."""
    spe = max(1, int(steps_per_epoch))
    picks = {(0, j) for j in range(min(FIRST_STEPS, spe))}
    for e in range(epochs):
        picks |= {(e, 0), (e, spe // 2)}
    if epochs > 0:
        picks.add((epochs - 1, spe - 1))
    return sorted(picks)


def tensor_names(n_weights: int) -> list[str]:
    """Keras' names of a model's weights, layer order: ``hidden_1/kernel`` … ``output/bias``."""
    layers = [f"hidden_{i}" for i in range(1, n_weights // 2)] + ["output"]
    return [f"{layer}/{part}" for layer in layers for part in ("kernel", "bias")]


def _gap(before, after, ref_after) -> float:
    r = np.asarray(ref_after, np.float64)
    ulp = np.spacing(np.abs(np.asarray(ref_after, np.float32))).astype(np.float64)
    excess = np.maximum(np.abs(np.asarray(after, np.float64) - r) - ulp, 0.0)
    diff = np.linalg.norm(excess)
    size = np.linalg.norm(r - np.asarray(before, np.float64))
    if size == 0:
        return 0.0 if diff == 0 else math.inf
    return float(diff / size)


def gradient_resolution(weights, X, y, activation: str) -> float:
    """ρ = ‖spacing₃₂(p)‖ / ‖p − y‖ over the batch: the relative precision to which a float32
    twin can hold the batch's output residual ``p − y`` (and with it the gradient, which is
    linear in it), from the shared ``weights`` (Keras' layout: ``[kernel (in, out), bias, …]``)
    in float64. ``X``: (batch, 784), ``y``: (batch,) or (batch, 1) of 0/1. ``activation``:
    the hidden layers' (a name of :mod:`scratch.activations`). 0 when ``p = y`` exactly (no
    gradient: nothing to resolve, the step is judged in full); ``sigmoid`` never overflows,
    so a diverged model's logits of ±1e6 give p of exactly 0 or 1."""
    from scratch.activations import get, sigmoid

    h = np.asarray(X, np.float64)
    forward = get(activation).forward
    pairs = [(np.asarray(weights[i], np.float64), np.asarray(weights[i + 1], np.float64))
             for i in range(0, len(weights), 2)]
    for kernel, bias in pairs[:-1]:
        h = forward(h @ kernel + bias)
    kernel, bias = pairs[-1]
    p = sigmoid((h @ kernel + bias).ravel())
    residual = np.linalg.norm(p - np.asarray(y, np.float64).ravel())
    spacing = np.linalg.norm(np.spacing(p.astype(np.float32)).astype(np.float64))
    return float(spacing / residual) if residual > 0 else 0.0


def step_gaps(before: dict, after: dict, ref_after: dict,
              slots: bool = True, floor: float = 0.0) -> dict[str, float]:
    """Per tensor (weights, then ``weight:slot`` when ``slots``) the gap of one step (module
    docstring): ``before`` the shared state, ``after`` the twin's state after the step,
    ``ref_after`` the reference's; each gap less ``floor`` (the step's
    :func:`gradient_resolution`), not below 0. A slot the twin lacks (it holds its optimizer's
    state otherwise) is skipped."""
    names = tensor_names(len(before["weights"]))
    gaps = {n: _gap(b, a, r) for n, b, a, r in
            zip(names, before["weights"], after["weights"], ref_after["weights"], strict=True)}
    for slot, arrays in (before["slots"].items() if slots else ()):
        if slot not in after["slots"] or slot not in ref_after["slots"]:
            continue
        for n, b, a, r in zip(names, arrays, after["slots"][slot], ref_after["slots"][slot],
                              strict=True):
            gaps[f"{n}:{slot}"] = _gap(b, a, r)
    return {name: max(g - floor, 0.0) for name, g in gaps.items()}


@dataclass
class StepParity:
    """One twin's step parity against one reference over the sampled steps."""

    #: the largest gap (NaN before any step was compared)
    value: float = math.nan
    #: where it was: the tensor (``hidden_1/kernel:velocity``) and the global step (0-based)
    tensor: str = ""
    step: int = -1
    #: every compared step's largest gap, by global step
    per_step: dict = field(default_factory=dict)
    #: every tensor's largest gap over the compared steps
    per_tensor: dict = field(default_factory=dict)

    def add(self, step: int, gaps: dict[str, float]) -> None:
        if not gaps:
            return
        for name, g in gaps.items():
            if not g <= self.per_tensor.get(name, -1.0):
                self.per_tensor[name] = g
        tensor, value = max(gaps.items(), key=lambda kv: kv[1])
        self.per_step[step] = value
        if not value <= self.value:  # NaN at first
            self.value, self.tensor, self.step = value, tensor, step

    @property
    def ok(self) -> bool | None:
        """Within :data:`STEP_PARITY_TOLERANCE` (None before any comparison)."""
        return None if math.isnan(self.value) else bool(self.value <= STEP_PARITY_TOLERANCE)


def check_epoch(workers: dict, reference: str, epoch: int, indices, steps_per_epoch: int,
                parities: dict, judges: dict | None = None, errors: dict | None = None,
                start: dict | None = None, batches=None, batch_of=None,
                activation: str | None = None) -> None:
    """Step parity at the sampled batch ``indices`` of ``epoch``, from ``start``, the
    reference's state at the epoch's start (default: its state now).

    The runner takes ``start`` before the timed epoch and checks after it, so nothing the
    check does (Keras tracing its train function for ``train_on_batch``) lands in a timed
    epoch, the first one included.

    ``workers``: {twin: worker handle} (the reference's included), each built for the same
    experiment; ``parities``: {twin: :class:`StepParity`}, added to. The reference's state at
    index j is its state at the epoch's start advanced by its own ``train_step`` over the
    epoch's batches before j (in its worker, untimed), so the checked states are the
    reference's trajectory. ``judges``: {twin: (worker, StepParity)} — a twin also held to a
    second twin's step from the same state (PyTorch against the scratch twin of its own rule).
    A twin whose worker refuses a command (a twin without ``get_state``) or dies gets its one
    line in ``errors`` (a rule twin under ``"<twin>-rule"``) and no more checks; the reference
    failing raises. Every twin's own state is put back after each probe. ``batches``: the
    epoch's batches ``[(X, y), ...]`` when the twins trained in an order of the caller's (the
    course's own batch orders, :mod:`benchmarks.course.twins`) rather than their build's;
    ``batch_of(j)`` (X, y) of the build's batch j, else. With ``activation`` (the hidden
    layers'), each step is judged beyond its :func:`gradient_resolution`.
    """
    from benchmarks.harness.worker import TwinError, WorkerDied

    def probe(worker, state, index, steps=1):
        if batches is None:
            return worker.call("probe", state=state, epoch=epoch, index=index, steps=steps)
        for k in range(index, index + steps):
            state = worker.call("probe", state=state, X=batches[k][0], y=batches[k][1])
        return state

    batch_at = batches.__getitem__ if batches is not None else batch_of
    errors = {} if errors is None else errors
    judges = judges or {}
    state, at = (workers[reference].call("state") if start is None else start), 0
    for j in sorted(indices):
        if j > at:
            state = probe(workers[reference], state, at, steps=j - at)
            at = j
        handles = {**{n: w for n, w in workers.items() if n not in errors},
                   **{("judge", n): jw for n, (jw, _) in judges.items()
                      if f"{n}-rule" not in errors}}
        afters = {reference: probe(workers[reference], state, j)}
        for name, w in handles.items():
            if name == reference:
                continue
            try:
                afters[name] = probe(w, state, j)
            except (TwinError, WorkerDied) as exc:
                errors[name if isinstance(name, str) else f"{name[1]}-rule"] = str(exc)
        step = epoch * steps_per_epoch + j
        slots = step < FIRST_STEPS  # the slots at the first steps only: module docstring
        floor = (gradient_resolution(state["weights"], *batch_at(j), activation)
                 if batch_at is not None and activation else 0.0)
        for name, after in afters.items():
            if isinstance(name, str) and name != reference:
                parities[name].add(step, step_gaps(state, after, afters[reference], slots,
                                                   floor))
            elif not isinstance(name, str) and name[1] in afters:
                judges[name[1]][1].add(step, step_gaps(state, afters[name[1]], after, slots,
                                                       floor))


class RunCheck:
    """The runner's step parity: the reference's state taken before each epoch; after the
    timed epoch, from it and from the reference's states at the epoch's sampled steps
    (:func:`sample_steps`), every running twin takes one step in its worker
    (untimed; its own state put back). A twin whose registry entry names a
    ``rule_twin`` for a flagged optimizer is held to that scratch twin as well, started in a
    worker of its own and used for nothing else."""

    def __init__(self, pool, config, weights, pair, reference, workers, results):
        from benchmarks.harness.worker import TwinError, WorkerDied
        from benchmarks.twins import registry
        from benchmarks.twins.draws import epoch_orders

        self.config, self.reference = config, reference
        self.workers, self.results = workers, results
        self.pair, self.orders = pair, epoch_orders(config, len(pair.X_train))
        spe = config.steps_per_epoch(len(pair.X_train))
        self.steps_per_epoch = spe
        self.samples = sample_steps(config.epochs, spe)
        self.parities = {i: StepParity() for i in workers if i != reference}
        self.judges, self.errors = {}, {}
        for impl in workers:
            entry = registry.TWINS.get(impl)
            if (impl == reference or entry is None or entry.rule_twin is None
                    or registry.rule_note(impl, config.optimizer) is None):
                continue
            judge = registry.TwinEntry(name=f"{impl}-rule", label=f"{entry.label} rule",
                                       target=entry.rule_twin)
            try:
                jw = pool.start(judge.name, entry=judge)
                pool.load(jw, pair)
                jw.call("build", config=config, weights=weights)
            except (WorkerDied, TwinError) as exc:
                self.errors[f"{impl}-rule"] = f"its rule twin did not start: {exc}"
                continue
            self.judges[impl] = (jw, StepParity())

    def start(self) -> dict | None:
        """The reference's state before the epoch (no step taken: nothing moves in time)."""
        from benchmarks.harness.worker import TwinError, WorkerDied

        if self.reference is None:
            return None
        try:
            return self.workers[self.reference].call("state")
        except (WorkerDied, TwinError) as exc:
            self._refused(exc)
            return None

    def _refused(self, exc) -> None:
        for impl in self.parities:
            self.errors.setdefault(impl, f"the reference refused: {exc}")
        self.reference = None

    def epoch(self, epoch: int, running, start: dict | None) -> None:
        """Check the epoch's sampled steps from ``start`` (after the timed epoch)."""
        from benchmarks.harness.worker import TwinError, WorkerDied

        if start is None or self.reference not in running:
            return
        indices = [j for e, j in self.samples if e == epoch]
        workers = {i: w for i, w in self.workers.items() if i in running}
        judges = {i: j for i, j in self.judges.items() if i in running}
        try:
            check_epoch(workers, self.reference, epoch, indices, self.steps_per_epoch,
                        self.parities, judges, self.errors, start=start,
                        batch_of=lambda j: self.batch(epoch, j),
                        activation=self.config.activation)
        except (WorkerDied, TwinError) as exc:  # the reference's own state commands
            self._refused(exc)

    def batch(self, epoch: int, index: int):
        """(X, y) of batch ``index`` of ``epoch``: the rows every twin's worker trains on there
        (:meth:`benchmarks.harness.serving.Serving.batch`)."""
        bs = self.config.effective_batch_size(len(self.pair.X_train))
        rows = self.orders.batch_rows(epoch, index, bs)
        return self.pair.X_train[rows], self.pair.y_train[rows]

    def record(self) -> None:
        """Write the figures into the runs (:class:`benchmarks.harness.runner.RunResult`)."""
        for impl, sp in self.parities.items():
            res = self.results[impl]
            res.step_parity, res.step_parity_tensor = sp.value, sp.tensor
            res.step_parity_step = sp.step
            res.step_parity_note = (self.errors.get(impl)
                                    or self.errors.get(f"{impl}-rule", ""))
            res.step_parity_tensors = dict(sp.per_tensor)
            if impl in self.judges:
                res.rule_step_parity = self.judges[impl][1].value


def bifurcation_epoch(gaps) -> int:
    """The first epoch whose free-running loss gap exceeds :data:`BIFURCATION_GAP` (the
    curves part there), −1 when they never do."""
    for e, g in enumerate(np.asarray(gaps, dtype=float)):
        if np.isfinite(g) and g > BIFURCATION_GAP:
            return e
    return -1
