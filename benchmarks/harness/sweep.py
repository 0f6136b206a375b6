"""A sweep: every (pair × model × seed) experiment of one set of training settings, run
pair by pair into one result directory, resumable.

Runs are keyed by their config (``run_id``); re-running the same sweep into the same
directory skips the runs already recorded. ``sweep.json`` holds the training settings the
directory was made with, threads included, and the data's fingerprint: a sweep with other
settings, or on other data, is refused rather than mixed in.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.atomic import write_json
from benchmarks.config import DEFAULT_PAIRS, MODELS, ExperimentConfig
from benchmarks.errors import ResultsError
from benchmarks.harness.records import ResultStore
from benchmarks.harness.registry import DEFAULT_TWINS
from benchmarks.harness.runner import run_experiment
from benchmarks.harness.worker import DEFAULT_TIMEOUT, TwinPool, WorkerDied

#: threads per twin when --threads is not given (measured: docs/speed.md)
DEFAULT_THREADS = 1

#: ExperimentConfig fields a sweep may vary across its experiments; all others must agree
_VARIED = ("pair", "model", "seed")


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
    return {"settings": sweep.settings(), "impls": list(sweep.impls),
            "reference": sweep.reference, "threads": sweep.threads, "pairs": list(sweep.pairs),
            "models": list(sweep.models), "seeds": sweep.seeds}


def recorded_sweep(result_dir, data_dir=None, timeout: float = DEFAULT_TIMEOUT) -> Sweep:
    """The sweep recorded in ``result_dir``, to rerun exactly (``kvsbench run --like DIR``).

    The training settings and twins come from its sweep.json; the pairs, models and seeds from
    its runs.csv (every experiment the directory holds, also when it was filled by several
    runs), else from sweep.json; the threads from sweep.json, else env.json's
    ``threads_flag``. Raises :class:`ResultsError` when there is no readable sweep.json.
    """
    from benchmarks.harness.records import read_csv

    result_dir = Path(result_dir)
    path = result_dir / "sweep.json"
    hint = "give a directory written by `kvsbench run --out`"
    if not path.is_file():
        raise ResultsError(f"--like {result_dir}: it has no sweep.json; {hint}.")
    try:
        rec = json.loads(path.read_text())
        settings = dict(rec["settings"])
        impls = tuple(rec["impls"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ResultsError(f"--like {result_dir}: {path} is unreadable; {hint}.") from None
    pairs, models, seeds = rec.get("pairs"), rec.get("models"), rec.get("seeds")
    if (result_dir / "runs.csv").is_file():
        runs = read_csv(result_dir / "runs.csv", ("pair", "model", "seed"))
        if not runs.empty:
            pairs = list(dict.fromkeys(runs["pair"]))
            models = list(dict.fromkeys(runs["model"]))
            seeds = int(runs["seed"].max()) + 1
    if not (pairs and models and seeds):
        raise ResultsError(f"--like {result_dir}: it records no experiments yet; {hint}.")
    threads = rec.get("threads")
    if threads is None:
        try:
            threads = json.loads((result_dir / "env.json").read_text()).get("threads_flag")
        except (OSError, ValueError, AttributeError):
            threads = None
    from benchmarks.harness.registry import resolve

    impls, reference = resolve(impls, rec.get("reference"))
    target_acc = settings.pop("target_acc", None)
    base = ExperimentConfig.from_dict({**settings, "pair": pairs[0], "model": models[0]})
    return Sweep(base=base, pairs=tuple(pairs), models=tuple(models), seeds=int(seeds),
                 impls=impls, reference=reference, target_acc=target_acc,
                 data_dir=data_dir, threads=DEFAULT_THREADS if threads is None else int(threads),
                 timeout=timeout)


def check_out_dir(out_dir: Path, sweep: Sweep, data: dict | None = None) -> dict | None:
    """Refuse a directory whose ``sweep.json`` holds other training settings (threads
    included), or whose runs were made on other data (``data``: :func:`benchmarks.data.
    fingerprint`, None when no data is read this time). A setting or the data fingerprint
    that an older ``sweep.json`` does not record is not compared (and is pinned from now on).

    Returns the data fingerprint recorded there (None if none).
    """
    path = Path(out_dir) / "sweep.json"
    if not path.exists():
        return None
    try:
        pinned = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(pinned, dict):
            raise ValueError
        old = pinned["settings"]
        old_data = pinned.get("data")
        if not isinstance(old, dict) or not isinstance(old_data, (dict, type(None))):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise ResultsError(f"{path} is unreadable; use another --out or delete it.") from None
    new = json.loads(json.dumps(sweep.settings()))
    diff = sorted(k for k in set(old) | set(new) if k in old and old.get(k) != new.get(k))
    if diff:
        what = ", ".join(f"{k}={old.get(k)!r} there vs {new.get(k)!r} now" for k in diff)
        raise ResultsError(
            f"{out_dir} holds results of another config ({what}); use another --out directory."
        )
    if data is not None and old_data and old_data != data:
        def show(d):
            return f"{d.get('train_images')} training images, fingerprint {d.get('sha1')}"

        raise ResultsError(
            f"{out_dir} holds results made on other data ({show(old_data)} there vs "
            f"{show(data)} now); use another --out directory, or the data it was made with."
        )
    return old_data


def sweep_env(sweep: Sweep, twins: dict) -> dict:
    """env.json: the machine (:func:`benchmarks.harness.envinfo.collect_env`), per twin what its
    worker really ran with (threads, BLAS, start-up seconds), and where the data came from
    (``data``: ``timing_only`` marks a stand-in of repeated images, good for speed figures only).
    The thread figures of the machine-level fingerprint are the twins' own: the parent process
    trains nothing."""
    from benchmarks.data import data_provenance
    from benchmarks.harness.envinfo import collect_env

    env = {**collect_env(), "threads_flag": sweep.threads, "twins": twins,
           "reference": sweep.reference, "data": data_provenance(sweep.data_dir)}
    for key in ("blas_threads", "blas_kernel", "tf_intra_op_threads", "tf_inter_op_threads"):
        values = [info[key] for info in twins.values() if info.get(key) is not None]
        if values:
            env[key] = values[0]
    return env


def run_sweep(sweep: Sweep, out_dir: Path, quiet: bool = False, log=None,
              verbose: bool = False) -> dict:
    """Run every experiment of ``sweep`` not yet recorded in ``out_dir`` (``verbose``: the
    twins' workers write their libraries' output to the terminal, not to a log file).

    Everything that can be wrong is found before anything is written (:func:`plan_sweep`).
    Other kvsbench processes may write into ``out_dir`` at the same time
    (:mod:`benchmarks.harness.resultdir`): nothing they record is lost.

    Returns a dict with ``ran``, ``skipped`` and ``diverged`` counts (experiments).
    """
    from benchmarks.errors import one_line
    from benchmarks.harness.hosts import env_with_host
    from benchmarks.harness.resultdir import locked

    log = log or (lambda msg: print(one_line(msg), file=sys.stderr))
    out_dir = Path(out_dir)
    plan = plan_sweep(sweep, out_dir, log)
    pin_sweep(sweep, out_dir, plan, log)
    if not plan.todo:
        return {"ran": 0, "skipped": plan.skipped, "diverged": 0}
    with TwinPool(sweep.impls, sweep.threads, sweep.timeout, verbose=verbose) as pool:
        for impl in sweep.impls:  # start every worker now: env.json records what each runs on
            try:
                pool.start(impl)
            except WorkerDied as exc:  # its runs are recorded as failed, with this reason
                log(f"kvsbench: twin {impl}: {exc}")
        with locked(out_dir, log):
            env, host = env_with_host(out_dir, sweep_env(sweep, pool.info))
            write_json(out_dir / "env.json", env)
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


def plan_sweep(sweep: Sweep, out_dir: Path, log) -> Plan:
    """Check everything, write nothing: ``--out`` that is a file or not writable, a directory
    of another config or other data, no data, corrupt data, or data without images of a
    pair's classes (one-line errors); and find the experiments not recorded yet. Shared by
    the serial runner and the Dask one (:mod:`benchmarks.engines.dask_sweep`)."""
    from benchmarks.data import check_pairs
    from benchmarks.harness.resultdir import check_writable

    check_writable(out_dir)
    check_out_dir(out_dir, sweep)
    store = ResultStore(out_dir)
    configs = sweep.configs()
    todo = [c for c in configs if not store.done(c.run_id(i) for i in sweep.impls)]
    data = None
    if todo:  # find and check the data before anything is written (DataError otherwise)
        pairs = list(dict.fromkeys(c.pair for c in todo))
        data = check_pairs(pairs, sweep.base.protocol, sweep.data_dir)
        check_out_dir(out_dir, sweep, data)
    skipped = len(configs) - len(todo)
    if skipped:
        log(f"kvsbench: skipping {skipped} experiment(s) already recorded in {out_dir}")
    return Plan(store, todo, skipped, data)


def pin_sweep(sweep: Sweep, out_dir: Path, plan: Plan, log) -> None:
    """Make ``out_dir`` and pin its ``sweep.json`` (settings and data), under its lock."""
    from benchmarks.harness.resultdir import clean_stale_temps, locked, prepare

    prepare(out_dir)
    with locked(out_dir, log):  # another run may have pinned the directory meanwhile
        removed = clean_stale_temps(out_dir)
        if removed:
            log(f"kvsbench: removed {removed} temp file(s) an interrupted write left in "
                f"{out_dir}")
        pinned = check_out_dir(out_dir, sweep, plan.data)
        write_json(out_dir / "sweep.json", {**sweep_record(sweep), "data": plan.data or pinned})


def _run_all(todo, sweep: Sweep, store: ResultStore, quiet: bool, log, pool,
             host: str = "") -> int:
    """Run the experiments ``todo`` (grouped by pair and seed: one data load per group),
    recording each as it finishes; return how many had a twin diverge or fail."""
    from benchmarks.data import load_pair, parse_pair

    progress = _progress(todo, sweep, quiet)
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
            progress.set_description(f"{config.model} {config.pair} s{config.seed}")
            results = run_experiment(
                config, pair, sweep.impls, sweep.target_acc,
                on_epoch=lambda impl, epoch: progress.update(1),
                reference=sweep.reference, pool=pool,
            )
            store.add(results, pair, sweep.target_acc, host=host)
            bad = [r for r in results.values() if r.status != "ok"]
            if bad:
                diverged += 1
                what = "; ".join(r.failure or f"{r.impl} diverged" for r in bad)
                log(f"kvsbench: {config.run_id('')[:-1]}: {what}; going on")
    finally:
        progress.close()
    return diverged


def _progress(todo, sweep: Sweep, quiet: bool):
    from tqdm.auto import tqdm

    total = sum(c.epochs for c in todo) * len(sweep.impls)
    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, unit="epoch", disable=disable, dynamic_ncols=True, leave=False)
