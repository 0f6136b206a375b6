"""A sweep: every (pair × model × seed) experiment of one set of training settings, run
pair by pair into one result directory, resumable.

Runs are keyed by their config (``run_id``); re-running the same sweep into the same
directory skips the runs already recorded. ``sweep.json`` holds the training settings the
directory was made with, threads included, and the data's fingerprint: a sweep with other
settings, or on other data, is refused rather than mixed in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchmarks.config import (
    DEFAULT_PAIRS,
    MODELS,
    ExperimentConfig,
    check_seeds,
)
from benchmarks.errors import ConfigError, KvsbenchError, ResultsError
from benchmarks.harness.runner import run_experiment
from benchmarks.harness.worker import DEFAULT_TIMEOUT, TwinPool, WorkerDied
from benchmarks.results.directory import ResultDirectory
from benchmarks.results.schema import SWEEP
from benchmarks.results.store import ResultStore, write_env, write_sweep
from benchmarks.twins.registry import DEFAULT_TWINS

#: threads per twin when --threads is not given (measured: docs/speed.md)
DEFAULT_THREADS = 1

#: ExperimentConfig fields a sweep may vary across its experiments; all others must agree
_VARIED = ("pair", "model", "seed")


class TwinFailed(KvsbenchError):
    """A twin raised (or its worker died) and ``--on-twin-error stop`` ends the sweep; what ran
    before is recorded."""


@dataclass
class Sweep:
    """What ``kvsbench run`` was asked to do."""

    base: ExperimentConfig
    pairs: tuple[str, ...] = DEFAULT_PAIRS
    models: tuple[str, ...] = MODELS
    seeds: int = 1
    impls: tuple[str, ...] = DEFAULT_TWINS
    #: the twin every other one is compared with (None: the registry's default)
    reference: str | None = None
    target_acc: float | None = None
    data_dir: str | None = None
    #: threads of every twin's worker (0: all cores); see :mod:`benchmarks.harness.worker`
    threads: int = DEFAULT_THREADS
    #: seconds one epoch of one twin may take before its worker is killed
    timeout: float = DEFAULT_TIMEOUT
    #: a twin that raises: "stop" the sweep (:class:`TwinFailed`) or "skip" (record it failed)
    on_twin_error: str = "skip"
    #: ``"module:Class"`` of the twins ``--twin`` added (a Dask worker registers them too)
    twin_targets: dict = field(default_factory=dict)

    def __post_init__(self):
        # the sweep's own settings, bounded as the config's are (a `--like` sweep.json asking
        # for 5 million seeds planned for minutes)
        self.seeds = check_seeds(self.seeds)
        if self.target_acc is not None and not 0 < self.target_acc <= 1:
            raise ConfigError("Argument `target_acc` must be in (0, 1]. "
                              f"Received: target_acc={self.target_acc!r}")

    def configs(self) -> list[ExperimentConfig]:
        """Every experiment of the sweep, grouped by pair and seed (one data load each)."""
        return [
            replace(self.base, pair=p, model=m, seed=s)
            for p in self.pairs
            for s in range(self.seeds)
            for m in self.models
        ]

    def settings(self) -> dict:
        """The training settings shared by every experiment (what ``sweep.json`` pins)."""
        d = self.base.to_dict()
        for k in _VARIED:
            d.pop(k)
        d["target_acc"] = self.target_acc
        d["threads"] = self.threads  # speed figures made with other threads must not mix
        return d


def sweep_record(sweep: Sweep) -> dict:
    """sweep.json: the settings (what a later run into the directory must share), and what
    ``kvsbench run --like DIR`` needs besides to rerun the sweep: twins, reference, threads,
    pairs, models, seeds."""
    added = {n: t for n, t in sweep.twin_targets.items() if n in sweep.impls}
    return {"settings": sweep.settings(), "impls": list(sweep.impls),
            "reference": sweep.reference, "threads": sweep.threads, "pairs": list(sweep.pairs),
            "models": list(sweep.models), "seeds": sweep.seeds, "twin_targets": added}


def check_out_dir(directory: ResultDirectory, sweep: Sweep,
                  data: dict | None = None) -> dict | None:
    """Refuse a directory whose ``sweep.json`` holds other training settings (threads
    included), or whose runs were made on other data (``data``: :func:`benchmarks.data.
    fingerprint`, None when no data is read this time). A setting or the data fingerprint
    that an older ``sweep.json`` does not record is not compared (and is pinned from now on).

    sweep.json is read once per run through ``directory`` (a damaged one is refused there,
    as every reader refuses it), and again only when another kvsbench rewrote it meanwhile.
    Returns the data fingerprint recorded there (None if none).
    """
    old = directory.pinned_settings()
    if old is None:
        return None
    old_data = directory.sweep.get("data")
    new = _as_recorded(sweep.settings())
    diff = sorted(k for k in set(old) | set(new) if k in old and old.get(k) != new.get(k))
    if diff:
        what = ", ".join(f"{k}={old.get(k)!r} there vs {new.get(k)!r} now" for k in diff)
        raise ResultsError(
            f"{directory.path} holds results of another config ({what}); use another --out "
            "directory."
        )
    check_same_data(directory.path, old_data, data)
    return old_data


def check_same_data(out_dir: Path, old_data: dict | None, data: dict | None) -> None:
    """Refuse ``data`` (the data found now) when ``out_dir``'s runs were made on other data
    (``old_data``, the fingerprint its sweep.json pins; either None: nothing to compare)."""
    if data is not None and old_data and old_data != data:
        def show(d):
            return f"{d.get('train_images')} training images, fingerprint {d.get('sha1')}"

        raise ResultsError(
            f"{out_dir} holds results made on other data ({show(old_data)} there vs "
            f"{show(data)} now); use another --out directory, or the data it was made with."
        )


def _as_recorded(settings: dict) -> dict:
    """``settings`` as sweep.json holds them (JSON has lists, not tuples: ``hidden_units``)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def sweep_env(sweep: Sweep, twins: dict) -> dict:
    """env.json: the machine (:func:`benchmarks.harness.envinfo.collect_env`), per twin what its
    worker really ran with (threads, BLAS, start-up seconds), and where the data came from
    (``data``: ``timing_only`` marks a stand-in of repeated images, good for speed figures only).
    The thread figures of the machine-level fingerprint are the twins' own: the parent process
    trains nothing."""
    from benchmarks.data import data_provenance
    from benchmarks.harness.envinfo import collect_env
    from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE

    env = {**collect_env(), "threads_flag": sweep.threads, "twins": twins,
           "reference": sweep.reference, "data": data_provenance(sweep.data_dir),
           "step_parity_tolerance": STEP_PARITY_TOLERANCE}
    for key in ("blas_threads", "blas_kernel", "tf_intra_op_threads", "tf_inter_op_threads"):
        values = [info[key] for info in twins.values() if info.get(key) is not None]
        if values:
            env[key] = values[0]
    return env


def start_twins(pool: TwinPool, impls, log=None, on_twin_error: str = "skip") -> None:
    """Start every twin's worker now, so that env.json records what each runs on; a worker
    that cannot start (killed while importing, out of memory) is recorded there too, with
    the failure (its runs are then recorded as failed, with the same reason), or, with
    ``on_twin_error="stop"``, stops the sweep (:class:`TwinFailed`)."""
    for impl in impls:
        try:
            pool.start(impl)
        except WorkerDied as exc:
            if on_twin_error == "stop":
                raise TwinFailed(f"twin {impl}: {exc}; stopped (--on-twin-error skip goes "
                                 "on without it)") from None
            if log is not None:
                log(f"kvsbench: twin {impl}: {exc}")
            pool.info[impl] = {"failure": f"the worker did not start: {exc}"}


def run_sweep(sweep: Sweep, out_dir: Path, quiet: bool = False, log=None,
              verbose: bool = False) -> dict:
    """Run every experiment of ``sweep`` not yet recorded in ``out_dir`` (``verbose``: the
    twins' workers write their libraries' output to the terminal, not to a log file).

    Everything that can be wrong is found before anything is written (:func:`plan_sweep`).
    Other kvsbench processes may write into ``out_dir`` at the same time
    (:mod:`benchmarks.results.place`): nothing they record is lost.

    Returns a dict with ``ran``, ``skipped`` and ``diverged`` counts (experiments).
    """
    from benchmarks.errors import one_line
    from benchmarks.results.hosts import env_with_host
    from benchmarks.results.place import locked

    log = log or (lambda msg: print(one_line(msg), file=sys.stderr))
    out_dir = Path(out_dir)
    plan = plan_sweep(sweep, out_dir, log)
    pin_sweep(sweep, out_dir, plan, log)
    if not plan.todo:
        return {"ran": 0, "skipped": plan.skipped, "diverged": 0}
    with TwinPool(sweep.impls, sweep.threads, sweep.timeout, verbose=verbose) as pool:
        start_twins(pool, sweep.impls, log, on_twin_error=sweep.on_twin_error)
        with locked(out_dir, log):
            env, host = env_with_host(plan.directory, sweep_env(sweep, pool.info))
            write_env(out_dir, env)
        diverged = _run_all(plan.todo, sweep, plan.store, quiet, log, pool, host)
    return {"ran": len(plan.todo), "skipped": plan.skipped, "diverged": diverged}


@dataclass
class Plan:
    """What a run of a sweep into a directory has to do (:func:`plan_sweep`)."""

    store: ResultStore
    #: the experiments not recorded yet, in the sweep's order
    todo: list
    skipped: int
    #: the data's fingerprint (None when nothing is to be trained)
    data: dict | None
    #: the result directory as read while planning (each file read once)
    directory: ResultDirectory
    #: the data fingerprint the directory's sweep.json pinned (None if none)
    pinned: dict | None = None


def plan_sweep(sweep: Sweep, out_dir: Path, log) -> Plan:
    """Check everything, write nothing: ``--out`` that is a file or not writable, a directory
    of another config or other data, a damaged sweep.json, env.json or runs.csv, no data,
    corrupt data, or data without images of a pair's classes (one-line errors); and find the
    experiments not recorded yet. Shared by the serial runner and the Dask one
    (:mod:`benchmarks.engines.dask_sweep`)."""
    from benchmarks.data import check_pairs
    from benchmarks.results.place import check_writable

    check_writable(out_dir)
    directory = ResultDirectory(out_dir)
    pinned = check_out_dir(directory, sweep)  # sweep.json read and checked, once
    _ = directory.env  # a damaged env.json (its host table is kept) is refused now
    store = ResultStore(out_dir, directory)
    configs = sweep.configs()
    todo = [c for c in configs if not store.done(c.run_id(i) for i in sweep.impls)]
    data = None
    if todo:  # find and check the data before anything is written (DataError otherwise)
        pairs = list(dict.fromkeys(c.pair for c in todo))
        data = check_pairs(pairs, sweep.base.protocol, sweep.data_dir)
        check_same_data(directory.path, pinned, data)
    skipped = len(configs) - len(todo)
    if skipped:
        log(f"kvsbench: skipping {skipped} experiment(s) already recorded in {out_dir}")
    return Plan(store, todo, skipped, data, directory, pinned)


def pin_sweep(sweep: Sweep, out_dir: Path, plan: Plan, log) -> None:
    """Make ``out_dir`` and pin its ``sweep.json`` (settings and data), under its lock."""
    from benchmarks.results.place import clean_stale_temps, locked, prepare

    prepare(out_dir)
    with locked(out_dir, log):  # another run may have pinned the directory meanwhile
        removed = clean_stale_temps(out_dir)
        if removed:
            log(f"kvsbench: removed {removed} temp file(s) an interrupted write left in "
                f"{out_dir}")
        pinned = plan.pinned
        if plan.directory.changed(SWEEP):  # another kvsbench pinned it since: check again
            pinned = check_out_dir(plan.directory, sweep, plan.data)
        write_sweep(out_dir, {**sweep_record(sweep), "data": plan.data or pinned})


def _run_all(todo, sweep: Sweep, store: ResultStore, quiet: bool, log, pool,
             host: str = "") -> int:
    """Run the experiments ``todo`` (grouped by pair and seed: one data load per group),
    recording each as it finishes; return how many had a twin diverge or fail."""
    from benchmarks.data import load_pair, parse_pair
    from benchmarks.harness.progress import SweepProgress

    progress = SweepProgress(todo, sweep.impls, quiet, log)
    diverged = 0
    pair_cache: dict = {}
    try:
        for config in todo:
            key = (config.pair, config.split_seed, config.protocol)
            if key not in pair_cache:
                pair_cache.clear()
                first, second = parse_pair(config.pair)
                pair_cache[key] = load_pair(
                    first, second, protocol=config.protocol, data_dir=sweep.data_dir,
                    seed=config.split_seed,
                )
            pair = pair_cache[key]
            progress.start(config)
            results = run_experiment(
                config, pair, sweep.impls, sweep.target_acc, on_epoch=progress.epoch,
                reference=sweep.reference, pool=pool,
            )
            store.add(results, pair, sweep.target_acc, host=host)
            progress.finished(config, results)
            bad = [r for r in results.values() if r.status != "ok"]
            failed = [r for r in bad if r.status == "failed"]
            if failed and sweep.on_twin_error == "stop":
                raise TwinFailed(f"{failed[0].failure}; stopped, the runs so far are recorded "
                                 "(--on-twin-error skip goes on without it)")
            if bad:
                diverged += 1
                what = "; ".join(r.failure or f"{r.impl} diverged" for r in bad)
                log(f"kvsbench: {config.run_id('')[:-1]}: {what}; going on")
    finally:
        progress.close()
    return diverged
