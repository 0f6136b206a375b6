"""Each twin trains in a worker process of its own, driven in lockstep by the runner.

Why processes: OpenBLAS' and TensorFlow's thread pools both spin while they wait, so two
libraries in one process slow each other down (several-fold on a busy small machine); some
libraries cannot share a process at all (TensorFlow and PyTorch), and a process's peak memory
or thread count is only a twin's own figure when the process holds one twin.

A worker is started once per twin (``python -m benchmarks.harness.worker``: a fresh interpreter that
imports nothing of the parent's; a socket pair is its pipe) and reused for every experiment of a
sweep (importing TensorFlow costs seconds). It imports the twin's libraries, sets its threads,
and then answers commands on a pipe, one at a time:

``data``    memory-map the pair's arrays from ``.npy`` files the parent wrote once per pair
            (the page cache holds one copy for all workers; nothing goes through the pipe per
            epoch)
``build``   build the twin from the config and the initial weights; draw the batch orders
``epoch``   reorder the training data (untimed), train epoch k, evaluate on validation
``finish``  test figures, predictions, final weights, the worker's peak memory of this run
``state``   the twin's state (weights, optimizer slots, iterations: ``Twin.get_state``)
``probe``   from a given state, ``steps`` optimizer steps on batches of an epoch's order (or on
            given arrays) → the state after them; the twin's own state is put back, so the
            run goes on untouched (step parity, :mod:`benchmarks.harness.step_parity`)
``time_*``  one timed round of a pytest-benchmark suite (:mod:`benchmarks.harness.timed`)

The parent names the twin's class (``--target module:Class``) and puts the twin's environment
(e.g. ``KERAS_BACKEND``) in the child's: the child looks nothing up in the registry, so a twin
the parent knows and the registry does not (a test's planted twin, a plug-in) runs as well.

A twin's exception comes back as :class:`TwinError` (one line); a worker that dies or hangs
past the timeout raises :class:`WorkerDied` and is replaced by the pool for the next
experiment.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from benchmarks.errors import exception_line

#: seconds a worker may take to start (import its libraries) and to build a twin
START_TIMEOUT = 600.0
#: default seconds one command (an epoch) may take before its worker is killed
DEFAULT_TIMEOUT = 3600.0
PAIR_ARRAYS = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
#: Set in every worker unless the user set it. After each call OpenBLAS' idle threads spin for
#: 2**28 cycles (~0.1 s) before they sleep; between the small matrix products of a training
#: step that spin holds a core that the step's elementwise passes, or the next twin's timed
#: epoch in the lockstep, needs: with another process busy the scratch epoch at 2 threads took
#: 2-5x longer (quiet, the spin is 10-30 % faster: docs/speed.md). 4 (its minimum, 2**4
#: cycles) makes them sleep at once. It must be in the environment before NumPy loads
#: OpenBLAS, so the parent sets it.
BLAS_IDLE_ENV = {"OPENBLAS_THREAD_TIMEOUT": "4"}


class WorkerDied(Exception):
    """The twin's worker process died or stopped answering (the message says how)."""


class TwinError(Exception):
    """The twin raised an exception in its worker (the message is its one line)."""


# ============================================================================ child side
def _serve(conn, target: str, threads: int, t0: float) -> None:
    """The worker's main loop (runs in the child process, its environment set by the parent)."""
    try:
        from benchmarks.twins.registry import load_target  # the registry's one loader

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        twin_class = load_target(target)
        twin_class.configure_threads(threads)
        info = {"pid": os.getpid(), **twin_class.runtime_info()}
        info["startup_seconds"] = time.perf_counter() - t0
    except BaseException as exc:  # noqa: BLE001  (reported to the parent as one line)
        conn.send(("error", exception_line(exc)))
        return
    conn.send(("ok", info))
    from benchmarks.harness.serving import Serving

    state = Serving(twin_class)
    while True:
        try:
            cmd, kwargs = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if cmd == "stop":
            return
        try:
            reply = ("ok", getattr(state, cmd)(**kwargs))
        except Exception as exc:  # noqa: BLE001
            reply = ("error", exception_line(exc))
        conn.send(reply)


# ============================================================================ parent side
class TwinWorker:
    """The parent's handle of one twin's worker process. The worker's output (its libraries'
    chatter: TensorFlow's start-up lines) goes to ``log_path``, whose last line explains a
    worker that died; with ``verbose`` it goes to the parent's stderr instead, TensorFlow's
    C++ log included (``TF_CPP_MIN_LOG_LEVEL`` 0 unless the user set it)."""

    def __init__(self, name: str, threads: int, timeout: float = DEFAULT_TIMEOUT,
                 log_path: Path | None = None, verbose: bool = False, entry=None):
        from benchmarks.twins import registry

        #: the twin's registry entry (or one the caller made: a planted twin, a plug-in)
        entry = registry.get(name) if entry is None else entry
        self.name = name
        self.timeout = timeout
        self.data_key = None
        ours, theirs = socket.socketpair()
        self.log_path = None if verbose else log_path
        env = {**BLAS_IDLE_ENV, **os.environ, **entry.env}
        path = _import_root(entry.target)
        if path is not None:  # a module the parent imports from outside sys.path's defaults
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (path, env.get("PYTHONPATH")) if p)
        if verbose:
            try:
                log = sys.stderr.fileno()
            except (AttributeError, OSError, ValueError):  # a stand-in stderr (a test's)
                log = 2
            env.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
        elif log_path is not None:
            log = open(log_path, "ab")  # noqa: SIM115
        else:
            log = subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.harness.worker", "--fd", str(theirs.fileno()),
                 "--target", entry.target, "--threads", str(int(threads)),
                 "--parent", str(os.getpid())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=env, start_new_session=True,  # Ctrl-C in the terminal is the parent's
            )
        finally:
            theirs.close()
            if hasattr(log, "close"):
                log.close()
        self.conn = Connection(ours.detach())
        try:
            self.info = self._reply("start", START_TIMEOUT)
        except TwinError as exc:
            self.close()
            raise WorkerDied(f"could not start: {exc}") from None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, cmd: str, timeout: float | None = None, **kwargs):
        """Send one command and wait for its answer (TwinError, WorkerDied)."""
        try:
            self.conn.send((cmd, kwargs))
        except (BrokenPipeError, OSError):
            raise WorkerDied(self._death()) from None
        return self._reply(cmd, self.timeout if timeout is None else timeout)

    def _reply(self, cmd: str, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if self.conn.poll(max(0.0, min(1.0, left))):
                try:
                    status, value = self.conn.recv()
                except (EOFError, OSError):
                    raise WorkerDied(self._death()) from None
                if status == "error":
                    raise TwinError(value)
                return value
            if not self.alive:
                raise WorkerDied(self._death())
            if left <= 0:
                self.kill()
                raise WorkerDied(f"no answer to `{cmd}` within {timeout:g} s; worker killed")

    def _death(self) -> str:
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            return "worker stopped answering"
        if code < 0:
            try:
                sig = signal.Signals(-code).name
            except ValueError:
                sig = f"signal {-code}"
            hint = " (out of memory?)" if sig == "SIGKILL" else ""
            return f"worker killed by {sig}{hint}"
        last = self._last_log_line()
        return f"worker exited with status {code}" + (f" ({last})" if last else "")

    def _last_log_line(self) -> str:
        try:
            lines = Path(self.log_path).read_text(errors="replace").strip().splitlines()
        except (OSError, TypeError):
            return ""
        return " ".join(lines[-1].split())[:300] if lines else ""

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.alive:
            try:
                self.conn.send(("stop", {}))
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        self.conn.close()


def _import_root(target: str) -> str | None:
    """The directory the child must find ``target``'s top-level package in, when the parent
    imports it from a directory that is not on the child's default path (a test module's,
    a checkout's): None when the module is not importable here or comes from site-packages."""
    import importlib.util

    top = target.partition(":")[0].split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        return None
    origin = Path(spec.origin)
    root = origin.parent.parent if origin.name == "__init__.py" else origin.parent
    return None if "site-packages" in root.parts else str(root)


class TwinPool:
    """One worker per twin for a whole sweep; a dead worker is replaced when next needed.

    Use as a context manager. :meth:`load` hands a pair to a worker: the arrays are written
    once per pair as ``.npy`` files in a private temporary directory and memory-mapped by
    every worker.
    """

    def __init__(self, impls, threads: int = 1, timeout: float = DEFAULT_TIMEOUT,
                 verbose: bool = False):
        self.impls = tuple(impls)
        #: the workers' output to the terminal instead of a log file (``kvsbench run --verbose``)
        self.verbose = verbose
        self.threads = threads
        self.timeout = timeout
        self.workers: dict[str, TwinWorker] = {}
        #: what each twin's worker reported at start (threads, BLAS, start-up seconds)
        self.info: dict[str, dict] = {}
        from benchmarks.harness.lifetime import clean_stale_pair_dirs, make_pair_dir

        clean_stale_pair_dirs()  # left by a run that was killed
        self._tmp = make_pair_dir()
        self._pair = None
        self._paths: dict = {}
        self._serial = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        # after an error or Ctrl-C, do not wait for a worker to finish its epoch
        self.close(graceful=exc_type is None)
        return False

    def start(self, name: str, entry=None) -> TwinWorker:
        """The live worker of twin ``name`` (registered, or described by ``entry``, a
        :class:`benchmarks.twins.registry.TwinEntry`), started (again) if needed
        (WorkerDied)."""
        w = self.workers.get(name)
        if w is None or not w.alive:
            if w is not None:
                w.close()
            self.workers.pop(name, None)
            w = TwinWorker(name, self.threads, self.timeout, self._tmp / f"{name}.log",
                           verbose=self.verbose, entry=entry)
            self.workers[name] = w
            self.info[name] = w.info
        return w

    def load(self, worker: TwinWorker, pair) -> None:
        """Make ``pair`` the data of ``worker`` (written to disk once per pair)."""
        if pair is not self._pair:
            for p in self._paths.values():
                Path(p).unlink(missing_ok=True)
            self._serial += 1
            self._paths = {}
            for k in PAIR_ARRAYS:
                path = self._tmp / f"{self._serial}.{k}.npy"
                np.save(path, np.ascontiguousarray(getattr(pair, k)))
                self._paths[k] = str(path)
            self._pair = pair
        if worker.data_key != self._serial:
            worker.call("data", paths=self._paths)
            worker.data_key = self._serial

    def close(self, graceful: bool = True) -> None:
        for w in self.workers.values():
            if graceful:
                w.close()
            else:
                w.kill()
                w.conn.close()
        self.workers.clear()
        shutil.rmtree(self._tmp, ignore_errors=True)


def main(argv=None) -> None:
    """``python -m benchmarks.harness.worker --fd FD --target MODULE:CLASS --threads N``
    (started by :class:`TwinWorker`, which sets the twin's environment)."""
    t0 = time.perf_counter()
    p = argparse.ArgumentParser(prog="python -m benchmarks.harness.worker")
    p.add_argument("--fd", type=int, required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--parent", type=int, default=None)
    args = p.parse_args(argv)
    if args.parent is not None:  # a worker dies with its parent (a stopped one too)
        from benchmarks.harness.lifetime import die_with_parent

        die_with_parent(args.parent)
    _serve(Connection(args.fd), args.target, args.threads, t0)


if __name__ == "__main__":
    main()
