"""``kvsbench run --like DIR``: the sweep a result directory records, to run again exactly —
its settings and twins from sweep.json, its experiments from runs.csv, its data (a timing-only
stand-in is made again the same way). Every file of DIR is untrusted input: read bounded,
each field checked, one line for a bad one."""

from __future__ import annotations

import sys

from benchmarks.config import ExperimentConfig, as_float, as_int, check_seeds, short_repr
from benchmarks.errors import ConfigError, ResultsError
from benchmarks.harness.sweep import DEFAULT_THREADS, Sweep
from benchmarks.harness.worker import DEFAULT_TIMEOUT
from benchmarks.results.directory import ResultDirectory
from benchmarks.results.schema import RUNS, SWEEP


def recorded_sweep(result_dir, data_dir=None, timeout: float = DEFAULT_TIMEOUT,
                   on_twin_error: str = "skip", log=None) -> Sweep:
    """The sweep recorded in ``result_dir``, to rerun exactly (``kvsbench run --like DIR``).

    The training settings and twins come from its sweep.json; the pairs, models and seeds from
    its runs.csv (every experiment the directory holds, also when it was filled by several
    runs), else from sweep.json; the threads from sweep.json, else env.json's
    ``threads_flag``. The data too: when env.json says the runs were made on a timing-only
    stand-in, the stand-in is made again from the data found (``data_dir``, else as the loader
    looks), as ``kvsbench standin`` does (:func:`benchmarks.data.standin.standin_like`), and
    ``log`` is told. Every file is read once, through
    :class:`~benchmarks.results.directory.ResultDirectory` (a damaged one is refused there,
    as the report and compare refuse it). Raises :class:`ResultsError` when there is no
    sweep.json.
    """
    directory = ResultDirectory(result_dir)
    result_dir = directory.path
    path = result_dir / SWEEP
    hint = "give a directory written by `kvsbench run --out`"
    settings = directory.pinned_settings()
    if settings is None:
        raise ResultsError(f"--like {result_dir}: it has no sweep.json; {hint}.")
    rec, settings = directory.sweep, dict(settings)
    impls = _names(rec.get("impls"), "impls", path)
    if not impls:
        raise ResultsError(f"--like {result_dir}: {path} names no twins (`impls`); {hint}.")
    pairs = _names(rec.get("pairs"), "pairs", path)
    models = _names(rec.get("models"), "models", path)
    seeds = rec.get("seeds")
    runs = directory.table(RUNS, ("pair", "model", "seed"))
    if runs is not None and not runs.empty:
        pairs = list(dict.fromkeys(runs["pair"]))
        models = list(dict.fromkeys(runs["model"]))
        seeds = int(runs["seed"].max()) + 1
    if not (pairs and models and seeds):
        raise ResultsError(f"--like {result_dir}: it records no experiments yet; {hint}.")
    threads = rec.get("threads")
    if threads is None and directory.env is not None:
        threads = directory.env.get("threads_flag")
    from benchmarks.twins.registry import TWINS, register, resolve

    targets = rec.get("twin_targets") or {}
    for name in impls:  # the twins `--twin` added to the recorded run
        if name not in TWINS and isinstance(targets, dict) and name in targets:
            register(str(targets[name]))
    targets = {n: str(t) for n, t in targets.items() if n in TWINS and n in impls} \
        if isinstance(targets, dict) else {}
    reference = rec.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise ConfigError(f"--like {result_dir}: {path}'s `reference` is "
                          f"{short_repr(reference)}, not a twin's name; {hint}.")
    impls, reference = resolve(impls, reference, on_error=on_twin_error,
                               warn=lambda msg: print(f"kvsbench: {msg}", file=sys.stderr))
    data_dir = _data_like(directory, data_dir, log)
    target_acc = settings.pop("target_acc", None)
    if target_acc is not None:
        target_acc = as_float("target_acc", target_acc)
    settings.pop("threads", None)
    base = ExperimentConfig.from_dict({**settings, "pair": pairs[0], "model": models[0]})
    threads = DEFAULT_THREADS if threads is None else as_int("threads", threads)
    return Sweep(base=base, pairs=pairs, models=models, seeds=check_seeds(seeds),
                 impls=impls, reference=reference, target_acc=target_acc,
                 data_dir=data_dir, threads=threads, timeout=timeout,
                 on_twin_error=on_twin_error, twin_targets=targets)


def _names(value, key: str, path) -> tuple[str, ...]:
    """sweep.json's ``pairs``/``models``/``impls``: a list of names (None when absent)."""
    if value is None:
        return ()
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{path}: `{key}` must be a list of names. Received: "
                          f"{key}={short_repr(value)}")
    return tuple(value)


def _data_like(directory: ResultDirectory, data_dir, log):
    """The data to rerun the directory's sweep on: ``data_dir``, or a stand-in rebuilt like
    the one its env.json records (its runs were timing-only)."""
    from benchmarks.data.standin import standin_like

    result_dir, env = directory.path, directory.env
    if env is None:
        return data_dir
    data = env.get("data")
    marker = data.get("standin") if isinstance(data, dict) and data.get("timing_only") else None
    if not isinstance(marker, dict):
        return data_dir
    path, same = standin_like(marker, data_dir)
    if log is not None:
        log(f"kvsbench: {result_dir} was made on a timing-only stand-in; running on one made "
            f"the same way (kvsbench standin) in {path}"
            + ("" if same else ", from other source files than its own: its times compare, "
               "its accuracies do not"))
    return str(path)
