"""The conformance battery of ``kvsbench check``: is a twin a correct implementation of the
experiment under Keras' exact rules? Four groups of checks, each pass or fail with a figure:

``interface``  the class imports and has the twin interface's methods; in its worker, per
               model, its state holds the initial weights it was built from (shapes, float32),
               Adam's slots by Keras' names with one array per weight, ``iterations`` 0, then 1
               after one step; its test predictions are 0/1 of the right length
``gradient``   per model, the gradient its SGD step at learning rate 1 implies, against float64
               finite differences (:mod:`benchmarks.check.gradients`)
``step``       step parity (:mod:`benchmarks.harness.step_parity`: its formula, its tolerance)
               against the step reference, for every optimizer × model × batch 32 and full
               batch, under an inverse-time schedule, at steps of the second epoch (so the
               schedule has moved and the slots are full). The step reference is the scratch
               twin by default: Keras' rules in NumPy, itself held to Keras' own steps in every
               run and by ``kvsbench check scratch`` (whose step reference is Keras); a Keras
               reference costs a model build and a graph trace per case (~3 s each, 16 cases)
``run``        a 2-epoch paired run per model with the run reference, Keras by default (the
               runner's own step parity over the run; the free-running loss gap as
               information)

The twin and the reference each run in a worker process of their own (one pool for the
battery); the parent computes the finite differences with the scratch model in float64.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from benchmarks.config import MODELS, OPTIMIZERS, ExperimentConfig
from benchmarks.harness import step_parity
from benchmarks.twins.state import SLOT_NAMES

#: the learning rate of each optimizer's step checks and runs (a usual one for it)
CHECK_LR = {"sgd": 0.01, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.001}
#: the schedule of the step checks: the rate of epoch 1 is lr / 1.5
CHECK_SCHEDULE = {"schedule": "inverse_time", "decay_rate": 0.5}
#: batch sizes of the step checks (None: full batch)
CHECK_BATCHES = (32, None)
#: epochs of the paired run
RUN_EPOCHS = 2
#: the groups of checks, in the order they run
GROUPS = ("interface", "gradient", "step", "run")
#: examples of the batch the gradient is checked on
GRADIENT_BATCH = 32


@dataclass
class Check:
    """One check's outcome: ``detail`` says, for a failure, what differs and by how much."""

    group: str
    name: str
    ok: bool
    figure: float = math.nan
    tolerance: float = math.nan
    detail: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("figure", "tolerance"):
            d[k] = d[k] if math.isfinite(d[k]) else None
        return d


def _base_config(pair_slug: str, protocol: str, **kw) -> ExperimentConfig:
    return ExperimentConfig(pair=pair_slug, protocol=protocol, epochs=RUN_EPOCHS, **kw)


class Battery:
    """Runs the checks of one twin against one reference on one pair (see the module)."""

    def __init__(self, twin: str, references: tuple[str, str], pair, pair_slug: str,
                 protocol: str, pool, log=None):
        self.twin = twin
        #: the twin whose steps are the truth, and the twin of the paired run
        self.reference, self.run_reference = references
        self.pair, self.slug, self.protocol, self.pool = pair, pair_slug, protocol, pool
        self.log = log or (lambda msg: None)
        self.checks: list[Check] = []

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        self.log(f"{check.group} {check.name}: {'pass' if check.ok else 'FAIL'}")
        return check

    def build(self, name: str, config: ExperimentConfig, weights):
        from benchmarks.harness.worker import TwinError, WorkerDied

        try:
            w = self.pool.start(name)
            self.pool.load(w, self.pair)
            w.call("build", config=config, weights=weights)
            return w, None
        except (TwinError, WorkerDied) as exc:
            return None, f"{name} raised building {config.model}/{config.optimizer}: {exc}"

    # ------------------------------------------------------------------ the groups
    def run(self, groups=GROUPS) -> list[Check]:
        """The checks of ``groups`` (the interface's class check always: the others need it)."""
        from benchmarks.twins.registry import STATE_METHODS, get

        entry = get(self.twin)
        if entry.broken:
            self.add(Check("interface", "class", False, detail=entry.broken))
            return self.checks
        self.add(Check("interface", "class", True, detail=entry.target))
        lacking = [m for m in STATE_METHODS if not callable(getattr(entry.load(), m, None))]
        if lacking:
            self.add(Check("interface", "state methods", False, detail=(
                f"{self.twin} lacks {', '.join(lacking)}: step parity, the gradient and the "
                "step checks need them (docs/plugins.md)")))
            return self.checks
        for model in MODELS if "interface" in groups else ():
            if not self.interface(model):
                return self.checks
        for model in MODELS if "gradient" in groups else ():
            self.gradient(model)
        for optimizer in OPTIMIZERS if "step" in groups else ():
            for model in MODELS:
                for batch in CHECK_BATCHES:
                    self.step(optimizer, model, batch)
        for model in MODELS if "run" in groups else ():
            self.paired_run(model)
        return self.checks

    def interface(self, model: str) -> bool:
        from benchmarks.harness.worker import TwinError, WorkerDied
        from benchmarks.twins.draws import initial_weights

        config = _base_config(self.slug, self.protocol, model=model, optimizer="adam")
        weights = initial_weights(config, self.pair.X_train.shape[1])
        name = f"{model} state and predictions"
        w, error = self.build(self.twin, config, weights)
        if error:
            return self.add(Check("interface", name, False, detail=error)).ok
        try:
            before = w.call("state")
            problem = state_problem(before, weights, SLOT_NAMES["adam"], iterations=0)
            if not problem:
                after = w.call("probe", state=before, X=self.pair.X_train[:GRADIENT_BATCH],
                               y=self.pair.y_train[:GRADIENT_BATCH])
                problem = state_problem(after, weights, SLOT_NAMES["adam"], iterations=1,
                                        same_values=False)
            if not problem:
                fin = w.call("finish", test=True)
                problem = predictions_problem(fin, len(self.pair.X_test))
        except (TwinError, WorkerDied) as exc:
            problem = f"{self.twin} raised: {exc}"
        return self.add(Check("interface", name, not problem, detail=problem or "")).ok

    def gradient(self, model: str) -> None:
        from benchmarks.check.gradients import GRADIENT_TOLERANCE, gradient_errors
        from benchmarks.harness.worker import TwinError, WorkerDied
        from benchmarks.twins.draws import initial_weights

        config = _base_config(self.slug, self.protocol, model=model, optimizer="sgd",
                              learning_rate=1.0, batch_size=GRADIENT_BATCH)
        weights = initial_weights(config, self.pair.X_train.shape[1])
        name = f"{model} vs float64 finite differences"
        w, error = self.build(self.twin, config, weights)
        if error:
            self.add(Check("gradient", name, False, tolerance=GRADIENT_TOLERANCE, detail=error))
            return
        X, y = self.pair.X_train[:GRADIENT_BATCH], self.pair.y_train[:GRADIENT_BATCH]
        try:
            state = {"weights": weights, "slots": {}, "iterations": 0}
            after = w.call("probe", state=state, X=X, y=y)
        except (TwinError, WorkerDied) as exc:
            self.add(Check("gradient", name, False, tolerance=GRADIENT_TOLERANCE,
                           detail=f"{self.twin} raised: {exc}"))
            return
        errors = gradient_errors(config, weights, after["weights"], X, y)
        names = step_parity.tensor_names(len(weights))
        worst = max(errors)
        bad = [(n, e) for n, e in zip(names, errors) if not e <= GRADIENT_TOLERANCE]
        detail = ""
        if bad:
            n, e = bad[0]
            detail = (f"{n}: its gradient differs from finite differences by {e:.2g} "
                      f"(relative; tolerance {GRADIENT_TOLERANCE:g})")
        self.add(Check("gradient", name, not bad, worst, GRADIENT_TOLERANCE, detail))

    def step(self, optimizer: str, model: str, batch: int | None) -> None:
        from benchmarks.harness.worker import TwinError, WorkerDied
        from benchmarks.twins.draws import initial_weights

        tol = step_parity.STEP_PARITY_TOLERANCE
        config = _base_config(self.slug, self.protocol, model=model, optimizer=optimizer,
                              learning_rate=CHECK_LR[optimizer], batch_size=batch,
                              **CHECK_SCHEDULE)
        name = f"{optimizer} {model} batch {batch or 'full'} {CHECK_SCHEDULE['schedule']}"
        weights = initial_weights(config, self.pair.X_train.shape[1])
        workers = {}
        for who in (self.twin, self.reference):
            workers[who], error = self.build(who, config, weights)
            if error:
                self.add(Check("step", name, False, tolerance=tol, detail=error))
                return
        spe = config.steps_per_epoch(len(self.pair.X_train))
        parities = {self.twin: step_parity.StepParity()}
        errors: dict = {}
        try:  # the reference trains epoch 0; the steps checked are epoch 1's
            workers[self.reference].call("epoch", epoch=0)
            step_parity.check_epoch(workers, self.reference, 1, sorted({0, min(1, spe - 1)}),
                                    spe, parities, errors=errors)
        except (TwinError, WorkerDied) as exc:
            errors.setdefault(self.twin, f"the reference {self.reference} raised: {exc}")
        sp = parities[self.twin]
        if self.twin in errors or sp.ok is None:
            self.add(Check("step", name, False, tolerance=tol,
                           detail=errors.get(self.twin, "no step compared")))
            return
        detail = ""
        if not sp.ok:
            first = next((n, g) for n, g in sp.per_tensor.items() if not g <= tol)
            detail = (f"{optimizer}: {first[0]} differs by {first[1]:.2g} of the reference's "
                      f"update (largest {sp.value:.2g} at {sp.tensor}; tolerance {tol:g})")
        self.add(Check("step", name, bool(sp.ok), sp.value, tol, detail))

    def paired_run(self, model: str) -> None:
        from benchmarks.harness.runner import run_experiment

        tol = step_parity.STEP_PARITY_TOLERANCE
        config = _base_config(self.slug, self.protocol, model=model, optimizer="adam",
                              learning_rate=CHECK_LR["adam"], batch_size=32)
        ref_name = self.run_reference
        name = f"{model} adam batch 32, {RUN_EPOCHS} epochs with {ref_name}"
        results = run_experiment(config, self.pair, (self.twin, ref_name),
                                 reference=ref_name, pool=self.pool)
        r, ref = results[self.twin], results[ref_name]
        value = getattr(r, "step_parity", math.nan)
        if r.status != "ok" or ref.status != "ok":
            why = r.failure or ref.failure or f"{r.impl} {r.status}"
            self.add(Check("run", name, False, value, tol, detail=why))
            return
        ok = math.isfinite(value) and value <= tol
        gap = f"free-running loss gap {r.max_loss_diff:.2g}"
        detail = (f"matches: step parity {value:.2g}, {gap}" if ok else
                  f"DOES NOT MATCH: step parity {value:.2g} at "
                  f"{getattr(r, 'step_parity_tensor', '') or '?'}, step "
                  f"{getattr(r, 'step_parity_step', -1)} (tolerance {tol:g}); {gap}"
                  + (f"; {r.step_parity_note}" if getattr(r, "step_parity_note", "") else ""))
        self.add(Check("run", name, ok, value, tol, detail))


# ---------------------------------------------------------------------- interface helpers
def state_problem(state, weights, slot_names, iterations: int, same_values: bool = True):
    """What is wrong with a twin's ``get_state()`` (one line), or None."""
    if not isinstance(state, dict) or not {"weights", "slots", "iterations"} <= set(state):
        return "get_state() must return a dict with weights, slots and iterations"
    ws = state["weights"]
    if len(ws) != len(weights):
        return f"get_state() holds {len(ws)} weights; the model has {len(weights)}"
    for k, (w, ref) in enumerate(zip(ws, weights)):
        name = step_parity.tensor_names(len(weights))[k]
        w = np.asarray(w)
        if w.shape != np.shape(ref) or w.dtype != np.float32:
            return (f"{name} is {w.dtype} {w.shape}; Keras' layout is float32 "
                    f"{np.shape(ref)}")
        if same_values and not np.array_equal(w, ref):
            return f"{name} is not the initial weights the twin was built from"
    slots = state["slots"]
    if set(slots) != set(slot_names):
        return f"Adam's slots must be named {sorted(slot_names)}; the state has {sorted(slots)}"
    for slot in slot_names:
        arrays = slots[slot]
        if len(arrays) != len(weights) or any(
                np.shape(a) != np.shape(w) for a, w in zip(arrays, weights)):
            return f"slot {slot!r} must hold one array per weight, shaped like it"
    if state["iterations"] != iterations:
        return f"iterations is {state['iterations']!r}, expected {iterations}"
    if not same_values and all(np.array_equal(w, ref) for w, ref in zip(ws, weights)):
        return "one train_step changed no weight"
    return None


def predictions_problem(fin: dict, n_test: int):
    """What is wrong with a finished twin's test figures and predictions, or None."""
    pred = np.asarray(fin.get("predictions"))
    if pred.shape != (n_test,):
        return f"predict() returned shape {pred.shape}; expected ({n_test},)"
    if not np.isin(pred, (0, 1)).all():
        return "predict() must return class labels 0/1"
    if not (math.isfinite(fin["test_loss"]) and 0 <= fin["test_acc"] <= 1):
        return f"evaluate() returned ({fin['test_loss']}, {fin['test_acc']})"
    return None


def run_battery(twin: str, references: tuple[str, str], pair, pair_slug: str, protocol: str,
                groups=GROUPS, threads: int = 1, log=None) -> tuple[list[Check], float]:
    """All checks of ``twin`` on ``pair``: steps against ``references[0]``, the paired run
    with ``references[1]``; (checks, seconds)."""
    from benchmarks.harness.worker import TwinPool

    t0 = time.perf_counter()
    with TwinPool((twin, *references), threads) as pool:
        checks = Battery(twin, references, pair, pair_slug, protocol, pool, log).run(groups)
    return checks, time.perf_counter() - t0

