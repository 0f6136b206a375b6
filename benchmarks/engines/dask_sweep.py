"""``kvsbench run --scheduler ADDRESS|local:N``: the sweep's experiments as Dask tasks.

Why Dask distributed: it is the PyData world's engine for spreading Python work over many
machines (by hand, on Slurm/PBS through dask-jobqueue, on Kubernetes), so a sweep that would
take days on one machine runs on whatever cluster its user already has. It is optional
(``pip install "kvsbench[dask]"``); nothing imports it unless ``--scheduler`` is given.

What is given up: nothing the serial runner (:func:`benchmarks.harness.sweep.run_sweep`)
promises.

- **One experiment, one task** (:mod:`benchmarks.engines.dask_tasks`): all the experiment's
  twins in lockstep on one worker machine, each in its own process, exactly as the serial
  runner; the task returns the records and that machine's env.json record, so time ratios are
  computed within the experiment, on one machine.
- **The client is the only writer.** It records each experiment as its task completes, with
  the serial runner's atomic writers (:class:`benchmarks.results.store.ResultStore`), and
  names the run's host (:mod:`benchmarks.results.hosts`); an interrupted or crashed client
  loses nothing it recorded, and the same command again submits only what is missing.
- **A lost worker costs its task only.** The scheduler resubmits a task whose worker died (up
  to ``distributed.scheduler.allowed-failures`` times, :data:`ALLOWED_FAILURES` on a local
  cluster) and one that raised (``retries=`` :data:`TASK_RETRIES`, e.g. a worker without the
  data); a task that keeps failing is recorded as ``failed`` with a one-line reason, once, and
  the sweep completes. A twin's own failure inside a task is recorded as the serial runner
  records it.
- **Data on the workers.** The client checks the data before it submits anything (the serial
  runner's checks, :func:`benchmarks.harness.sweep.plan_sweep`); each task reads
  Fashion-MNIST on its worker (``--data-dir`` — the same path must hold a copy there — else
  that machine's ``FASHION_MNIST_DIR`` or Keras cache; never downloaded by a worker), and
  refuses a copy whose fingerprint is not the client's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import sys
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from benchmarks.engines.dask_tasks import STARTED_TOPIC, experiment_key, run_task
from benchmarks.errors import ConfigError, KvsbenchError

#: the prefix of ``--scheduler local:N``
LOCAL = "local:"
#: times the scheduler re-runs a task that RAISED (``Client.submit(retries=)``) before the
#: experiment is recorded as failed: a worker without the data, a full disk
TASK_RETRIES = 2
#: times a task may lose its worker (killed, out of memory, machine gone) before it counts as
#: failed: ``distributed.scheduler.allowed-failures``, set here for a local cluster (a running
#: scheduler has its own setting; Dask's default is 3)
ALLOWED_FAILURES = 3
#: seconds to reach a running scheduler before giving up
CONNECT_TIMEOUT = 20.0
#: where a local cluster serves its dashboard (another port when it is taken)
DASHBOARD_ADDRESS = ":8787"
#: seconds between progress refreshes while nothing happens
POLL_SECONDS = 0.5
_ADDRESS = re.compile(r"^((tcp|tls|ucx|ws|wss|inproc)://\S+|[\w.\-]+:\d+)$")


class SchedulerError(KvsbenchError):
    """The Dask scheduler could not be started or reached, or was lost (one line)."""


@dataclass(frozen=True)
class SchedulerSpec:
    """``--scheduler``: a running scheduler's address, or a local cluster of N workers."""

    address: str | None = None
    local_workers: int | None = None

    def __str__(self) -> str:
        return f"{LOCAL}{self.local_workers}" if self.local_workers else str(self.address)


def parse_scheduler(text) -> SchedulerSpec:
    """``--scheduler`` → :class:`SchedulerSpec` (ConfigError on anything else)."""
    value = str(text).strip()
    bad = ConfigError(
        "Argument `--scheduler` must be a Dask scheduler's address (e.g. tcp://host:8786) or "
        f"local:N with N >= 1 worker processes. Received: --scheduler={text}"
    )
    if value.lower().startswith(LOCAL):
        try:
            n = int(value[len(LOCAL):])
        except ValueError:
            raise bad from None
        if n < 1:
            raise bad
        return SchedulerSpec(local_workers=n)
    if not _ADDRESS.match(value):
        raise bad
    return SchedulerSpec(address=value)


def require_distributed():
    """The ``distributed`` module, or ConfigError naming the extra that installs it."""
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            '--scheduler needs Dask distributed, which is not installed: '
            'pip install "kvsbench[dask]" (in a checkout: pip install ".[dask]")'
        ) from None
    return distributed


def run_dask_sweep(sweep, out_dir, scheduler, quiet: bool = False, log=None,
                   verbose: bool = False) -> dict:
    """Run every experiment of ``sweep`` not yet recorded in ``out_dir`` as Dask tasks on
    ``scheduler`` (``"local:N"`` or an address), recording each as it completes.

    Returns the serial runner's counts — ``ran``, ``skipped``, ``diverged`` (experiments with
    a twin that diverged or failed) — and ``submitted``, ``failed_tasks`` (experiments whose
    task kept failing) and ``restarted`` (experiments started again after their worker was
    lost). Raises ConfigError (``--scheduler``, no Dask), DataError, ResultsError, WriteError
    (the serial runner's checks, :func:`benchmarks.harness.sweep.plan_sweep`) and SchedulerError
    before anything is written; SchedulerError also when the scheduler is lost mid-sweep
    (what was recorded stays).
    """
    from benchmarks.errors import one_line
    from benchmarks.harness.sweep import pin_sweep, plan_sweep

    spec = parse_scheduler(scheduler)
    require_distributed()
    log = log or (lambda msg: print(one_line(msg), file=sys.stderr))
    out_dir = Path(out_dir)
    plan = plan_sweep(sweep, out_dir, log)  # every check the serial runner makes; no writes
    counts = {"ran": 0, "skipped": plan.skipped, "diverged": 0, "submitted": 0,
              "failed_tasks": 0, "restarted": 0}
    if not plan.todo:
        pin_sweep(sweep, out_dir, plan, log)
        return counts
    with _connect(spec, sweep, log) as client:
        pin_sweep(sweep, out_dir, plan, log)
        recorder = _Recorder(sweep, plan.store, out_dir, spec, log)
        counts.update(_run_tasks(client, plan.todo, sweep, plan.data, recorder, quiet, log,
                                 verbose))
    return counts


@contextlib.contextmanager
def _connect(spec: SchedulerSpec, sweep, log):
    """A Client of a new local cluster or of the running scheduler; both closed after."""
    from distributed import Client

    cluster = None
    environ = dict(os.environ)  # a local cluster's nannies write into this process's
    try:
        if spec.local_workers:
            _warn_oversubscribed(spec.local_workers, sweep.threads, log)
            cluster = start_local_cluster(spec.local_workers)
            client = Client(cluster)
            served = "dashboard" in (cluster.scheduler_info.get("services") or {})
            log(f"kvsbench: started a local Dask cluster of {spec.local_workers} single-threaded "
                "worker process(es); dashboard: "
                + (client.dashboard_link if served else "not served (pip install bokeh)"))
        else:
            client = Client(spec.address, timeout=CONNECT_TIMEOUT)
    except KvsbenchError:
        raise
    except Exception as exc:  # noqa: BLE001  (Dask raises OSError, TimeoutError, ValueError ...)
        if cluster is not None:
            cluster.close()
        what = "start a local Dask cluster" if spec.local_workers else \
            f"reach the Dask scheduler at {spec.address}"
        hint = "" if spec.local_workers else \
            " (is `dask scheduler` running there, and the address right?)"
        text = " ".join(str(exc).split())[:200]
        raise SchedulerError(f"could not {what}: {type(exc).__name__}: {text}{hint}") from None
    try:
        yield client
    finally:
        for closing in (client, cluster):
            if closing is not None:
                with contextlib.suppress(Exception):
                    closing.close()
        if cluster is not None:
            _restore_environment(environ)


def start_local_cluster(n_workers: int, dashboard_address: str | None = DASHBOARD_ADDRESS,
                        **worker_kwargs):
    """A LocalCluster of ``n_workers`` single-threaded worker processes on the loopback
    interface, which re-runs a task whose worker died up to :data:`ALLOWED_FAILURES` times
    and whose nannies give the workers this process's environment unchanged (no
    ``pre-spawn-environ``: see :func:`_undo_nanny_environment`); ``worker_kwargs`` go to
    the nannies (e.g. ``env``)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          "distributed.nanny.pre-spawn-environ": {}}), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "port 8787 is in use": the link printed says which
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=dashboard_address,
                            silence_logs=logging.ERROR, **worker_kwargs)


def _restore_environment(saved: dict) -> None:
    """Undo what a local cluster's nannies wrote into this process's environment (they set
    ``PYTHONHASHSEED`` before spawning a worker)."""
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _warn_oversubscribed(n_workers: int, threads: int, log) -> None:
    cores = os.cpu_count() or 1
    per_twin = threads or cores
    if n_workers * per_twin > cores:
        log(f"kvsbench: note: {n_workers} workers × {per_twin} thread(s) per twin exceed this "
            f"machine's {cores} core(s): experiments compete for cores, so their times are "
            "not those of a quiet machine")


class _Recorder:
    """The client's side of the result directory: records a completed task's experiment
    (runs.csv, curves.csv) and enters the machine that measured it in env.json's host table
    first (a run row never names a host env.json lacks)."""

    def __init__(self, sweep, store, out_dir: Path, spec: SchedulerSpec, log):
        self.sweep, self.store, self.out_dir, self.spec, self.log = sweep, store, out_dir, spec, log
        self.top: dict | None = None
        self.seen: dict = {}  # (host name, fingerprint) → host id, this invocation

    def host(self, name: str, env: dict) -> str:
        from benchmarks.results.hosts import HOSTS_KEY, add_host, fingerprint, read_host_table
        from benchmarks.results.place import locked
        from benchmarks.results.store import write_env

        seen = (name, json.dumps(fingerprint(env), sort_keys=True, default=str))
        if seen in self.seen:
            return self.seen[seen]
        with locked(self.out_dir, self.log):  # merged with the table as it is on disk now
            table = read_host_table(self.out_dir)
            host = add_host(table, name, env)
            self.top = self.top or env  # env.json's own keys: the first machine that reported
            write_env(self.out_dir, {**self.top, HOSTS_KEY: table, "scheduler": str(self.spec)})
        self.seen[seen] = host
        self._check_code(host, env)
        return host

    def _check_code(self, host: str, env: dict) -> None:
        from benchmarks import __version__
        from benchmarks.harness.envinfo import git_commit

        theirs = (env.get("kvsbench_version"), env.get("git_commit"))
        ours = (__version__, git_commit())
        if theirs != ours:
            self.log(f"kvsbench: note: host {host} runs kvsbench {theirs[0]} at commit "
                     f"{theirs[1]}, this client {ours[0]} at {ours[1]}: its figures come from "
                     "other code")

    def finished(self, out: dict) -> dict:
        host = self.host(out["host"], out["env"])
        n_train, n_val, n_test = out["sizes"]
        # the records need only the split sizes of the pair (its arrays stayed on the worker)
        sizes = SimpleNamespace(X_train=range(n_train), X_val=range(n_val), X_test=range(n_test))
        self.store.add(out["results"], sizes, self.sweep.target_acc, host=host)
        return out["results"]

    def failed(self, config, reason: str) -> dict:
        """Record every twin of an experiment whose task kept failing as ``failed`` (no host:
        no machine measured anything); the split sizes come from the client's copy."""
        from benchmarks.data import load_pair, parse_pair
        from benchmarks.harness.runner import RunResult

        first, second = parse_pair(config.pair)
        pair = load_pair(first, second, protocol=config.protocol, data_dir=self.sweep.data_dir,
                         seed=config.split_seed)
        results = {impl: RunResult(impl, config, len(pair.X_train),
                                   reference=self.sweep.reference or "", status="failed",
                                   failure=f"{impl}: {reason}")
                   for impl in self.sweep.impls}
        self.store.add(results, pair, self.sweep.target_acc, host="")
        return results


def _task_failure(exc: BaseException) -> str:
    """One line: why a task failed for good."""
    if type(exc).__name__ == "KilledWorker":
        return ("every Dask worker that ran its task died (KilledWorker: the scheduler's "
                "allowed-failures used up)")
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return f"its Dask task failed {TASK_RETRIES + 1} times: {text}"[:400]


def _run_tasks(client, todo, sweep, data, recorder: _Recorder, quiet: bool, log,
               verbose) -> dict:
    """Submit one task per experiment of ``todo`` (``data``: the client's data fingerprint,
    which every worker's copy must match) and record each as it completes."""
    events: queue.Queue = queue.Queue()  # ("start", msg) from the workers, ("done", future)
    workers = client.nthreads()
    many = {w: n for w, n in workers.items() if n > 1}
    log(f"kvsbench: submitting {len(todo)} experiment(s) to {recorder.spec} "
        f"({len(workers)} worker(s) now)")
    if not workers:
        log("kvsbench: no Dask worker has joined yet: the tasks wait for one")
    if many:
        log(f"kvsbench: note: {len(many)} worker(s) have several threads; each still runs one "
            "experiment at a time (start workers with --nthreads 1)")
    with contextlib.suppress(Exception):  # an older Dask: no "running" in the progress bar
        client.subscribe_topic(STARTED_TOPIC, lambda event: events.put(("start", event[1])))
    token = uuid.uuid4().hex[:8]
    pending: dict = {}  # future key → (future, config)
    for config in todo:
        f = client.submit(run_task, sweep, config, verbose, data, key=(
            f"kvsbench-{experiment_key(config)}-{token}"), retries=TASK_RETRIES, pure=False)
        pending[f.key] = (f, config)
        f.add_done_callback(lambda fut: events.put(("done", fut)))
    running: set = set()
    starts: Counter = Counter()
    waiting = {experiment_key(c) for _, c in pending.values()}
    counts = {"ran": 0, "diverged": 0, "submitted": len(todo), "failed_tasks": 0, "restarted": 0}
    bar = _progress(len(todo), quiet)
    failed = 0  # experiments with a failed run (a task that kept failing, or a twin's worker)
    try:
        while pending:
            try:
                kind, item = events.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if kind == "start":
                key = item.get("experiment") if isinstance(item, dict) else None
                if key in waiting:
                    starts[key] += 1
                    running.add(key)
            else:
                entry = pending.pop(item.key, None)
                if entry is None:
                    continue
                failed += _record(entry, recorder, counts, log)
                key = experiment_key(entry[1])
                waiting.discard(key)
                running.discard(key)
            bar.set_postfix_str(f"done {counts['ran']}, running {len(running)}, failed "
                                f"{failed}", refresh=False)
            bar.update(counts["ran"] - bar.n)  # refreshes the bar
            bar.refresh()
    finally:
        bar.close()
        if pending:  # interrupted: nothing more is recorded, so nothing more need run
            with contextlib.suppress(Exception):
                client.cancel([f for f, _ in pending.values()], force=True)
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(STARTED_TOPIC)
    counts["restarted"] = sum(1 for n in starts.values() if n > 1)
    if counts["restarted"]:
        log(f"kvsbench: {counts['restarted']} experiment(s) started again after their Dask "
            "worker was lost; each is recorded once")
    return counts


def _record(entry, recorder: _Recorder, counts: dict, log) -> bool:
    """Record one completed task's experiment (its results, or its failure); whether a run
    of it failed."""
    future, config = entry
    if future.status == "finished":
        results = recorder.finished(future.result())
    elif future.status == "error":
        results = recorder.failed(config, _task_failure(future.exception()))
        counts["failed_tasks"] += 1
    else:  # cancelled: the client lost the scheduler (or was told to stop)
        raise SchedulerError(
            f"the Dask scheduler dropped experiment {experiment_key(config)} ({future.status}); "
            f"{counts['ran']} experiment(s) were recorded in {recorder.out_dir}: re-run the "
            "same command to complete the rest"
        )
    counts["ran"] += 1
    bad = [r for r in results.values() if r.status != "ok"]
    if bad:
        counts["diverged"] += 1
        what = "; ".join(r.failure or f"{r.impl} diverged" for r in bad)
        log(f"kvsbench: {experiment_key(config)}: {what}; going on")
    return any(r.status == "failed" for r in bad)


def _progress(total: int, quiet: bool):
    from tqdm.auto import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, unit="experiment", disable=disable, dynamic_ncols=True,
                leave=False)

