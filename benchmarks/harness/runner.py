"""Run one experiment with every twin under identical conditions, each in its own process.

Data flow: config → data (a :class:`benchmarks.data.Pair`) → twins (one worker process each,
:mod:`benchmarks.harness.worker`) → this runner → :class:`RunResult` records. Identical conditions:
the same split, the same initial weights (drawn once here), the same batch order every epoch
(drawn from the seed in each worker, outside the timed region), float32 everywhere.

The twins run in lockstep, one at a time — epoch k of every twin in turn — so no two ever
compete for the cores, and a slow drift of a shared machine hits all of them alike. Wall time
is training only (each worker's ``time.perf_counter``): no process start-up, imports, data
loading or evaluation. Every twin's parity and speed are measured against ONE reference twin:
step parity (:mod:`benchmarks.harness.step_parity`: the reference's state taken before each
epoch, the sampled steps checked after it, outside the timed epochs), and the free-running
loss gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.harness import step_parity
from benchmarks.harness.worker import TwinError, TwinPool, WorkerDied
from benchmarks.twins import registry
from benchmarks.twins.draws import initial_weights

CURVE_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds", "step_seconds")
#: a run whose epoch times (after the first) spread wider than this is flagged as drifting ...
DRIFT_FACTOR = 1.5
#: ... when the slow epochs are also this much slower in absolute terms (s): a 2 ms epoch
#: that takes 3.5 ms once the scheduler looks elsewhere is not a drift worth a warning
DRIFT_MIN_SECONDS = 0.005


@dataclass
class RunResult:
    """What one twin's run of one experiment recorded."""

    impl: str
    config: ExperimentConfig
    n_train: int
    curves: dict = field(default_factory=lambda: {k: [] for k in CURVE_KEYS})
    status: str = "ok"  # ok, diverged (non-finite loss) or failed (see ``failure``)
    failure: str = ""
    reference: str = ""
    threads: float = math.nan
    test_loss: float = math.nan
    test_acc: float = math.nan
    setup_seconds: float = 0.0
    peak_rss_mb: float = math.nan
    peak_traced_mb: float = math.nan
    time_to_target_seconds: float = math.nan
    max_loss_diff: float = math.nan
    #: step parity against the reference (:class:`step_parity.StepParity`: largest gap, where)
    step_parity: float = math.nan
    step_parity_tensor: str = ""
    step_parity_step: int = -1
    #: every tensor's largest gap (not in runs.csv: for the margins tool and tests)
    step_parity_tensors: dict = field(default_factory=dict, repr=False)
    #: step parity against the scratch twin of this twin's own rule (registry ``rule_twin``)
    rule_step_parity: float = math.nan
    #: why a twin has no step parity (its worker refused the state commands), else ""
    step_parity_note: str = ""
    #: first epoch where the free-running loss curves part (step_parity.bifurcation_epoch)
    bifurcation_epoch: int = -1
    max_weight_rel_diff: float = math.nan
    pred_agreement: float = math.nan
    time_ratio: float = math.nan
    step_time_ratio: float = math.nan
    final_weights: list = field(default_factory=list, repr=False)

    @property
    def parity_ok(self) -> bool | None:
        """Step parity within :data:`step_parity.STEP_PARITY_TOLERANCE` (None: no figure)."""
        if math.isnan(self.step_parity):
            return None
        return bool(self.step_parity <= step_parity.STEP_PARITY_TOLERANCE)

    @property
    def epochs_run(self) -> int:
        return len(self.curves["epoch_seconds"])

    @property
    def fit_seconds(self) -> float:
        return float(sum(self.curves["epoch_seconds"]))

    @property
    def first_epoch_seconds(self) -> float:
        s = self.curves["epoch_seconds"]
        return float(s[0]) if s else math.nan

    @property
    def steady_epoch_seconds(self) -> float:
        """Median epoch time after the first (Keras traces its graph in the first); NaN with
        one epoch (there is no steady state to time)."""
        s = self.curves["epoch_seconds"][1:]
        return float(np.median(s)) if s else math.nan

    @property
    def step_seconds(self) -> float:
        """Median time of one optimizer step, epochs after the first (NaN for full batch)."""
        s = [v for v in self.curves["step_seconds"][1:] if math.isfinite(v)]
        return float(np.median(s)) if s else math.nan

    @property
    def epoch_fixed_seconds(self) -> float:
        """What an epoch costs besides its steps: steady epoch − steps × step time (≥ 0).
        With it, an epoch of any size is ``fixed + steps × step_seconds``."""
        steps = self.config.steps_per_epoch(self.n_train)
        if not (math.isfinite(self.step_seconds) and math.isfinite(self.steady_epoch_seconds)):
            return math.nan
        return max(0.0, self.steady_epoch_seconds - steps * self.step_seconds)

    def _smoothed_epoch_seconds(self) -> list[float]:
        """Epoch times after the first, each the median of itself and its neighbours: a lasting
        change (subnormals from epoch 3 on, another job starting) stays, a one-epoch hiccup of
        a busy machine does not."""
        s = self.curves["epoch_seconds"][1:]
        if len(s) < 3:
            return list(s)
        return [float(np.median(s[max(0, i - 1):i + 2])) for i in range(len(s))]

    @property
    def epoch_time_spread(self) -> float:
        """Slowest over fastest (smoothed) epoch time after the first (1 = flat; NaN under 2)."""
        s = [v for v in self._smoothed_epoch_seconds() if v > 0]
        return max(s) / min(s) if len(s) >= 2 else math.nan

    @property
    def slow_epochs(self) -> list[int]:
        """Epochs (after the first) whose smoothed time is over :data:`DRIFT_FACTOR` × the
        fastest (and :data:`DRIFT_MIN_SECONDS` slower): the run's epoch times drifted there."""
        s = self._smoothed_epoch_seconds()
        if len(s) < 2 or min(s) <= 0:
            return []
        fastest = min(s)
        return [e for e, v in enumerate(s, start=1)
                if v > DRIFT_FACTOR * fastest and v - fastest > DRIFT_MIN_SECONDS]

    @property
    def samples_per_second(self) -> float:
        fit = self.fit_seconds
        return self.n_train * self.epochs_run / fit if fit > 0 else math.nan


def run_experiment(
    config: ExperimentConfig,
    pair,
    impls=registry.DEFAULT_TWINS,
    target_acc: float | None = None,
    on_epoch: Callable[[str, int, dict], None] | None = None,
    *,
    reference: str | None = None,
    pool: TwinPool | None = None,
    threads: int = 1,
    step_check: bool = True,
) -> dict[str, RunResult]:
    """Train every twin in ``impls`` on ``pair`` under ``config``, in lockstep.

    Parameters
    ----------
    config : ExperimentConfig
    pair : benchmarks.data.Pair
        X_train (n, 784) float32, y_train (n,) 0/1, and the validation and test splits.
    impls : sequence of registered twin names (:mod:`benchmarks.twins.registry`), or of
        :class:`registry.TwinEntry` for twins the registry does not hold (a test's planted twin)
    target_acc : float, optional
        Record each twin's training time until validation accuracy first reaches it.
    on_epoch : callable(impl, epoch, logs), optional
        Called after each twin's epoch (progress): ``logs`` holds its ``loss``, ``accuracy``
        (the epoch's running means, as Keras reports them), ``val_loss`` and ``val_acc``.
    reference : str, optional
        The twin the others are compared with (default :data:`registry.DEFAULT_REFERENCE`).
    pool : TwinPool, optional
        The sweep's worker processes; without one, a pool is started for this experiment.
    threads : int
        Threads per twin when the pool is started here (0: every core).
    step_check : bool
        Measure step parity (:mod:`benchmarks.harness.step_parity`) between the epochs.

    Returns
    -------
    dict impl → RunResult (a twin whose worker failed has status ``failed`` and a reason)
    """
    entries = {e.name: e for e in impls if isinstance(e, registry.TwinEntry)}
    named = [i for i in impls if not isinstance(i, registry.TwinEntry)]
    if entries:
        names = registry.resolve(named)[0] if named else ()
        impls = (*names, *entries)
        reference = reference or (registry.DEFAULT_REFERENCE
                                  if registry.DEFAULT_REFERENCE in impls else impls[0])
    else:
        impls, reference = registry.resolve(impls, reference)
    if pool is None:
        with TwinPool(impls, threads) as own:
            return run_experiment(config, pair, [entries.get(i, i) for i in impls], target_acc,
                                  on_epoch, reference=reference, pool=own,
                                  step_check=step_check)
    n = len(pair.X_train)
    weights = initial_weights(config, pair.X_train.shape[1])
    results = {impl: RunResult(impl, config, n, reference=reference or "") for impl in impls}
    workers = {}
    for impl in impls:
        try:
            w = pool.start(impl, entry=entries.get(impl))
            results[impl].threads = _threads_of(pool.info.get(impl, {}))
            pool.load(w, pair)
            w.call("build", config=config, weights=weights)
            workers[impl] = w
        except (WorkerDied, TwinError) as exc:
            _fail(results[impl], exc)
    check = step_parity.RunCheck(pool, config, weights, pair, reference, workers, results) \
        if step_check and reference is not None and reference in workers else None
    for epoch in range(config.epochs):
        running = [i for i in impls if results[i].status == "ok"]
        if not running:
            break
        start = check.start() if check is not None else None
        for impl in running:
            res = results[impl]
            try:
                r = workers[impl].call("epoch", epoch=epoch)
            except (WorkerDied, TwinError) as exc:
                _fail(res, exc, epoch)
                continue
            c = res.curves
            c["train_loss"].append(r["loss"])
            c["train_acc"].append(r["accuracy"])
            c["epoch_seconds"].append(r["seconds"])
            c["step_seconds"].append(r["step_seconds"])
            c["val_loss"].append(r["val_loss"])
            c["val_acc"].append(r["val_acc"])
            if not math.isfinite(r["loss"]):
                res.status = "diverged"
            elif (target_acc is not None and math.isnan(res.time_to_target_seconds)
                  and r["val_acc"] >= target_acc):
                res.time_to_target_seconds = res.fit_seconds
            if on_epoch is not None:
                on_epoch(impl, epoch, {"loss": r["loss"], "accuracy": r["accuracy"],
                                       "val_loss": r["val_loss"], "val_acc": r["val_acc"]})
        if check is not None:
            check.epoch(epoch, [i for i in running if results[i].status == "ok"], start)
    predictions = {}
    for impl, w in workers.items():
        res = results[impl]
        if res.status == "failed":
            continue
        try:
            fin = w.call("finish", test=res.status == "ok")
        except (WorkerDied, TwinError) as exc:
            _fail(res, exc)
            continue
        res.setup_seconds = fin["setup_seconds"]
        res.peak_rss_mb = fin["peak_rss_mb"]
        res.peak_traced_mb = fin["peak_traced_mb"]
        res.final_weights = fin["weights"]
        res.test_loss, res.test_acc = fin["test_loss"], fin["test_acc"]
        if fin["predictions"] is not None:
            predictions[impl] = fin["predictions"]
    if reference is not None:
        for impl in impls:
            if impl != reference:
                compare_with_reference(results[impl], results[reference], predictions)
    if check is not None:
        check.record()
    return results


def _threads_of(info: dict) -> float:
    """The threads a twin's worker really runs on: its framework's op pool if it has one
    (TensorFlow, PyTorch, XLA), else its BLAS pool."""
    for key in ("tf_intra_op_threads", "torch_threads", "xla_cpu_threads", "blas_threads"):
        v = info.get(key)
        if isinstance(v, int) and v > 0:
            return float(v)
    return math.nan


def _fail(res: RunResult, exc: Exception, epoch: int | None = None) -> None:
    res.status = "failed"
    where = f" in epoch {epoch}" if epoch is not None else ""
    res.failure = f"{res.impl}{where}: {exc}"


#: the parity figure (largest per-epoch :func:`loss_gap`) up to which two twins "match": the
#: report's verdict and ``kvsbench compare --parity-tol`` use it; tests/harness/test_parity.py holds
#: the twins to it on every optimizer
PARITY_TOLERANCE = 1e-3


def loss_gap(loss, ref_loss):
    """The parity figure of one epoch (or of arrays of epochs): the absolute difference of two
    losses, relative to the larger one where that is above 1,
    ``|L − L_ref| / max(1, |L|, |L_ref|)``. Small losses are compared absolutely (a tolerance
    of 1e-3 nats); a loss that has grown huge (a learning rate far too large: 1e22) is
    compared relatively, where float32 can only agree. NaN where either loss is not finite."""
    a = np.asarray(loss, dtype=np.float64)
    b = np.asarray(ref_loss, dtype=np.float64)
    with np.errstate(all="ignore"):
        gap = np.abs(a - b) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    return np.where(np.isfinite(a) & np.isfinite(b), gap, np.nan)


def compare_with_reference(r: RunResult, ref: RunResult, predictions: dict) -> None:
    """Fill ``r``'s parity and speed figures against the reference twin's run ``ref``.

    ``max_loss_diff`` = max over the epochs where both losses are finite of :func:`loss_gap`;
    ``max_weight_rel_diff`` = max over arrays ‖w_r − w_ref‖ / ‖w_ref‖;
    ``pred_agreement`` = share of identical test predictions; when both runs finished ``ok``:
    ``time_ratio`` = median over epochs of ref / r epoch time and ``step_time_ratio`` = ref / r
    step time (> 1: r is faster) — a diverged or failed run's times say nothing about speed.
    Nothing here warns: overflow of a diverged run's numbers is what NaN reports.
    """
    lr, lref = r.curves["train_loss"], ref.curves["train_loss"]
    m = min(len(lr), len(lref))
    gaps = loss_gap(lr[:m], lref[:m])
    r.max_loss_diff = float(np.nanmax(gaps)) if np.isfinite(gaps).any() else math.nan
    r.bifurcation_epoch = step_parity.bifurcation_epoch(gaps)
    both_ok = r.status == ref.status == "ok"
    t, tref = (np.asarray(x.curves["epoch_seconds"][:m], dtype=float) for x in (r, ref))
    if both_ok and m and np.all(t > 0):
        r.time_ratio = float(np.median(tref / t))
    if both_ok and r.step_seconds > 0 and ref.step_seconds > 0:
        r.step_time_ratio = ref.step_seconds / r.step_seconds
    if both_ok:
        with np.errstate(all="ignore"):
            r.max_weight_rel_diff = max(
                (_rel_diff(w, wref) for w, wref in zip(r.final_weights, ref.final_weights)),
                default=math.nan,
            )
    if r.impl in predictions and ref.impl in predictions:
        r.pred_agreement = float(np.mean(predictions[r.impl] == predictions[ref.impl]))


def _rel_diff(w, wref) -> float:
    """‖w − w_ref‖ / ‖w_ref‖, in the weights' own precision; again in float64 when that
    overflows (the float32 norm of a diverging run's weights does)."""
    value = float(np.linalg.norm(w - wref) / max(np.linalg.norm(wref), 1e-12))
    if math.isfinite(value):
        return value
    w, wref = np.asarray(w, dtype=np.float64), np.asarray(wref, dtype=np.float64)
    return float(np.linalg.norm(w - wref) / max(np.linalg.norm(wref), 1e-12))
