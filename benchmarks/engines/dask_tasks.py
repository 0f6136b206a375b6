"""The worker side of ``kvsbench run --scheduler``: the Dask task of one experiment.

:func:`run_task` runs on a Dask worker, in a process that serves many tasks. It trains every
twin of one experiment in lockstep, each in a worker process of its own, exactly as the serial
runner does (:func:`benchmarks.harness.runner.run_experiment`), and returns the records and the
fingerprint of the machine that measured them. The twins' pool is cached per Dask worker process
and reused by its next task (starting TensorFlow costs seconds), closed when the process exits;
tasks on one process never overlap (a lock), so a twin always trains alone. The client side —
submitting, recording, retries — is :mod:`benchmarks.engines.dask_sweep`.
"""

from __future__ import annotations

import json
import multiprocessing.util
import os
import threading

#: the event topic a task announces its start on (the client's progress bar: "running")
STARTED_TOPIC = "kvsbench-started"


def experiment_key(config) -> str:
    """One experiment of a sweep (its config and seed; every twin): run ids without the twin."""
    return f"{config.experiment_id}.s{config.seed}"


#: one task at a time per Dask worker process; it guards :data:`_WORKER`
_WORKER_LOCK = threading.Lock()
#: this Dask worker process's cached pool, its key, its env record and the last pair
_WORKER: dict = {"key": None, "pool": None, "env": None, "info": None, "pair_key": None,
                 "pair": None, "finalizer": None}


def run_task(sweep, config, verbose: bool = False, data: dict | None = None) -> dict:
    """The Dask task of one experiment: train every twin of ``sweep`` under ``config`` on this
    machine, in lockstep, in this worker process's pool.

    ``data`` is the fingerprint of the client's copy of Fashion-MNIST
    (:func:`benchmarks.data.fingerprint`): a worker whose copy differs refuses the task.

    Returns ``{"results": impl → RunResult (final weights dropped), "sizes": (n_train, n_val,
    n_test), "host": this machine's name, "env": its env.json record}``. Raises what the data
    loading raises (the scheduler retries, then the client records the experiment failed);
    a twin's failure is in its RunResult, as in a serial run.
    """
    from benchmarks.harness.runner import run_experiment
    from benchmarks.results.hosts import host_name
    from benchmarks.twins.registry import TWINS, register

    for name, target in sweep.twin_targets.items():  # the --twin classes, by their targets
        if name not in TWINS:
            register(target)
    with _WORKER_LOCK:
        _announce(experiment_key(config))
        pair = _worker_pair(sweep, config, data)  # first: a worker without the data fails
        pool = _worker_pool(sweep, verbose)
        results = run_experiment(config, pair, sweep.impls, sweep.target_acc,
                                 reference=sweep.reference, pool=pool)
        for r in results.values():
            r.final_weights = []  # the records do not need them; they would cross the network
        return {"results": results,
                "sizes": (len(pair.X_train), len(pair.X_val), len(pair.X_test)),
                "host": host_name(), "env": _worker_env(sweep, pool)}


def _announce(key: str) -> None:
    """Tell the client this experiment started (its progress bar's "running")."""
    try:
        from distributed import get_worker

        worker = get_worker()
        worker.log_event(STARTED_TOPIC, {"experiment": key, "worker": worker.address,
                                         "pid": os.getpid()})
    except Exception:  # noqa: BLE001  (outside a worker, or an older Dask: no progress detail)
        pass


def _worker_pool(sweep, verbose: bool):
    """This process's TwinPool for ``sweep``'s twins, threads and timeout (started once)."""
    from benchmarks.harness.sweep import start_twins
    from benchmarks.harness.worker import TwinPool

    key = (tuple(sweep.impls), sweep.threads, sweep.timeout, bool(verbose))
    if _WORKER["key"] != key:
        _close_pool()
        _undo_nanny_environment()
        pool = TwinPool(sweep.impls, sweep.threads, sweep.timeout, verbose=verbose)
        start_twins(pool, sweep.impls)  # the env record names each twin, failed ones too
        _WORKER.update(key=key, pool=pool, env=None, info=None)
        if _WORKER["finalizer"] is None:  # runs when this worker process exits normally
            _WORKER["finalizer"] = multiprocessing.util.Finalize(None, _close_at_exit,
                                                                 exitpriority=10)
    return _WORKER["pool"]


def _undo_nanny_environment() -> None:
    """Drop from this process's environment — which the twins' workers inherit — what Dask's
    nanny set in it for Dask's own sake (``distributed.nanny.pre-spawn-environ``:
    ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` = 1 and
    ``MALLOC_TRIM_THRESHOLD_`` = 65536): a variable still holding Dask's value goes.

    Why: the twins must train as in a serial run. Setting the trim threshold switches off
    glibc's dynamic mmap threshold, so every temporary over 128 KiB (an MLP's weight
    gradient) is mapped and unmapped again at every step. Measured on the project's 2-core
    machine: a NumPy loop of a 784-100 MLP step at batch 128 that allocates its temporaries,
    1.6x slower; the scratch twin, which mostly reuses its buffers, 0-8 % slower per step
    (batch 32 / 128). The threads are set by ``--threads`` either way. A variable the user
    set to another value stays."""
    import dask

    preset = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    for name, value in preset.items():
        if value is not None and os.environ.get(name) == str(value):
            del os.environ[name]


def _worker_env(sweep, pool) -> dict:
    """This machine's env.json record (computed again when a twin's worker was replaced)."""
    from benchmarks.harness.sweep import sweep_env

    info = json.dumps(pool.info, sort_keys=True, default=str)
    if _WORKER["env"] is None or _WORKER["info"] != info:
        _WORKER.update(env=sweep_env(sweep, pool.info), info=info)
    return _WORKER["env"]


def _worker_pair(sweep, config, data: dict | None = None):
    """The experiment's pair, read on this machine (the last one is kept: consecutive
    experiments of a pair share it, and the pool writes its arrays once). DataError when this
    machine has no copy, or one whose fingerprint is not ``data`` (the client's)."""
    from benchmarks.data import load_fashion_mnist_with_source, load_pair, parse_pair
    from benchmarks.errors import DataError

    key = (config.pair, config.split_seed, config.protocol, sweep.data_dir)
    if _WORKER["pair_key"] != key:
        _WORKER.update(pair_key=None, pair=None)
        # a worker never downloads
        arrays, source = load_fashion_mnist_with_source(sweep.data_dir, download=False)
        ours = _data_fingerprint(str(source.directory), arrays)
        if data is not None and ours != data:
            raise DataError(
                f"this worker's Fashion-MNIST ({source}: {ours.get('train_images')} training "
                f"images, fingerprint {ours.get('sha1')}) is not the client's (fingerprint "
                f"{data.get('sha1')}); give every machine the same copy")
        first, second = parse_pair(config.pair)
        _WORKER["pair"] = load_pair(first, second, protocol=config.protocol,
                                    data_dir=sweep.data_dir, seed=config.split_seed)
        _WORKER["pair_key"] = key
    return _WORKER["pair"]


def _data_fingerprint(directory: str, arrays) -> dict:
    """The data's fingerprint, computed once per directory in this process (it hashes every
    image)."""
    from benchmarks.data import fingerprint

    cache = _WORKER.setdefault("fingerprints", {})
    if directory not in cache:
        cache[directory] = fingerprint(arrays)
    return cache[directory]


def _close_pool(graceful: bool = True) -> None:
    pool = _WORKER["pool"]
    _WORKER.update(key=None, pool=None, env=None, info=None)
    if pool is not None:
        pool.close(graceful=graceful)


def _close_at_exit() -> None:
    """At the worker process's exit: stop the twins' workers, remove their data files. A task
    still running (the process is being torn down) gets its workers killed instead."""
    locked = _WORKER_LOCK.acquire(timeout=5)
    try:
        _close_pool(graceful=locked)
    finally:
        if locked:
            _WORKER_LOCK.release()
