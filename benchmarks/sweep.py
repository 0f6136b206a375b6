"""A sweep: every (pair × model × seed) experiment of one set of training settings, run
pair by pair into one result directory, resumable.

Runs are keyed by their config (``run_id``); re-running the same sweep into the same
directory skips the runs already recorded. ``sweep.json`` holds the training settings the
directory was made with: a sweep with other settings is refused rather than mixed in.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.config import ExperimentConfig
from benchmarks.errors import ResultsError
from benchmarks.records import ResultStore, write_json
from benchmarks.runner import run_experiment

#: the course's experiment: the easy pair and the hard pair
DEFAULT_PAIRS = ("trouser:ankle-boot", "pullover:coat")
#: ExperimentConfig fields a sweep may vary across its experiments; all others must agree
_VARIED = ("pair", "model", "seed")


@dataclass
class Sweep:
    """What ``kvsbench run`` was asked to do."""

    base: ExperimentConfig
    pairs: tuple[str, ...] = DEFAULT_PAIRS
    models: tuple[str, ...] = ("logreg", "mlp")
    seeds: int = 1
    impls: tuple[str, ...] = ("scratch", "keras")
    target_acc: float | None = None
    data_dir: str | None = None
    #: BLAS and TensorFlow threads (0: each library's default); see :func:`thread_limits`
    threads: int = 1

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
        return d


def check_out_dir(out_dir: Path, sweep: Sweep) -> None:
    """Refuse a directory whose ``sweep.json`` holds other training settings."""
    path = Path(out_dir) / "sweep.json"
    if not path.exists():
        return
    try:
        old = json.loads(path.read_text())["settings"]
    except (OSError, ValueError, KeyError):
        raise ResultsError(f"{path} is unreadable; use another --out or delete it.") from None
    new = json.loads(json.dumps(sweep.settings()))
    diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if diff:
        what = ", ".join(f"{k}={old.get(k)!r} there vs {new.get(k)!r} now" for k in diff)
        raise ResultsError(
            f"{out_dir} holds results of another config ({what}); use another --out directory."
        )


@contextlib.contextmanager
def thread_limits(threads: int, keras: bool, log):
    """Run the body with NumPy's BLAS limited to ``threads`` threads (threadpoolctl) and, when
    Keras runs, TensorFlow's intra-op pool set to ``threads`` and its inter-op pool to 1.

    Pinning matters on a small machine: the twins alternate in one process, and OpenBLAS'
    and TensorFlow's pools then compete for the same cores. ``threads=0`` changes nothing.
    """
    if threads == 0:
        yield
        return
    from threadpoolctl import threadpool_limits

    if keras:
        from keras_models._backend import set_threads

        try:
            set_threads(threads)
        except RuntimeError as exc:
            log(f"kvsbench: {exc}; env.json records the threads TensorFlow really uses")
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def run_sweep(sweep: Sweep, out_dir: Path, quiet: bool = False, log=None) -> dict:
    """Run every experiment of ``sweep`` not yet recorded in ``out_dir``.

    Returns a dict with ``ran``, ``skipped`` and ``diverged`` counts (experiments).
    """
    from benchmarks.data import load_fashion_mnist
    from benchmarks.envinfo import collect_env

    log = log or (lambda msg: print(msg, file=sys.stderr))
    out_dir = Path(out_dir)
    check_out_dir(out_dir, sweep)
    store = ResultStore(out_dir)
    configs = sweep.configs()
    todo = [c for c in configs if not store.done(c.run_id(i) for i in sweep.impls)]
    if todo:  # find and check the data before anything is written (DataError otherwise)
        load_fashion_mnist(sweep.data_dir)
    skipped = len(configs) - len(todo)
    if skipped:
        log(f"kvsbench: skipping {skipped} experiment(s) already recorded in {out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "sweep.json", {"settings": sweep.settings(), "impls": list(sweep.impls)})
    if not todo:
        return {"ran": 0, "skipped": skipped, "diverged": 0}
    keras = "keras" in sweep.impls
    with thread_limits(sweep.threads, keras, log):
        if keras:  # load TensorFlow, so env.json fingerprints its threads too
            from keras_models._backend import keras_module

            keras_module()
        write_json(out_dir / "env.json", {**collect_env(), "threads_flag": sweep.threads})
        diverged = _run_all(todo, sweep, store, quiet, log)
    return {"ran": len(todo), "skipped": skipped, "diverged": diverged}


def _run_all(todo, sweep: Sweep, store: ResultStore, quiet: bool, log) -> int:
    """Run the experiments ``todo`` (grouped by pair and seed: one data load per group),
    recording each as it finishes; return how many had a twin diverge."""
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
            )
            store.add(results, pair, sweep.target_acc)
            bad = [i for i, r in results.items() if r.status != "ok"]
            if bad:
                diverged += 1
                log(f"kvsbench: {config.run_id('')[:-1]} diverged ({', '.join(bad)}); going on")
    finally:
        progress.close()
    return diverged


def _progress(todo, sweep: Sweep, quiet: bool):
    from tqdm.auto import tqdm

    total = sum(c.epochs for c in todo) * len(sweep.impls)
    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, unit="epoch", disable=disable, dynamic_ncols=True, leave=False)
