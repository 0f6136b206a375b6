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

A twin's exception comes back as :class:`TwinError` (one line); a worker that dies or hangs
past the timeout raises :class:`WorkerDied` and is replaced by the pool for the next
experiment.
"""

from __future__ import annotations

import argparse
import math
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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ============================================================================ child side
def _reset_peak_rss() -> None:
    """Reset the kernel's high-water mark of this process's resident memory (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    """Peak resident memory since the last reset (VmHWM), else the current RSS, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class _Serving:
    """The worker's state: the twin class, the current pair's arrays and the current twin."""

    def __init__(self, twin_class):
        self.twin_class = twin_class
        self.arrays: dict = {}
        self.twin = None

    def data(self, paths: dict) -> None:
        self.arrays = {k: np.load(p, mmap_mode="r") for k, p in paths.items()}

    def build(self, config: dict, weights: list) -> float:
        from benchmarks.config import ExperimentConfig
        from benchmarks.harness.twins import epoch_orders

        self.twin = None
        config = ExperimentConfig.from_dict(config)
        X, y = self.arrays["X_train"], self.arrays["y_train"]
        _reset_peak_rss()
        self.twin = self.twin_class(config, weights, len(X))
        self.orders = epoch_orders(config, len(X))
        self.X_epoch, self.y_epoch = np.empty(X.shape, X.dtype), np.empty(y.shape, y.dtype)
        return self.twin.setup_seconds

    def epoch(self, epoch: int) -> dict:
        a = self.arrays
        order = self.orders[epoch]
        np.take(a["X_train"], order, axis=0, out=self.X_epoch)  # outside the timed region
        np.take(a["y_train"], order, out=self.y_epoch)
        ep = self.twin.train_epoch(self.X_epoch, self.y_epoch, epoch)
        val_loss = val_acc = math.nan
        if math.isfinite(ep.loss):
            val_loss, val_acc = self.twin.evaluate(a["X_val"], a["y_val"])
        return {"loss": ep.loss, "accuracy": ep.accuracy, "seconds": ep.seconds,
                "step_seconds": ep.step_seconds, "val_loss": val_loss, "val_acc": val_acc}

    def finish(self, test: bool) -> dict:
        a, twin = self.arrays, self.twin
        out = {"setup_seconds": twin.setup_seconds, "peak_rss_mb": _peak_rss_mb(),
               "weights": twin.get_weights(), "test_loss": math.nan, "test_acc": math.nan,
               "predictions": None, "peak_traced_mb": math.nan}
        if test:
            out["test_loss"], out["test_acc"] = twin.evaluate(a["X_test"], a["y_test"])
            out["predictions"] = twin.predict(a["X_test"])
            traced = getattr(twin, "traced_peak_mb", None)
            if traced is not None:
                out["peak_traced_mb"] = traced(a["X_train"], a["y_train"])
        self.twin = None
        return out


def _serve(conn, name: str, threads: int, t0: float) -> None:
    """The worker's main loop (runs in the child process)."""
    try:
        from benchmarks.harness import registry

        entry = registry.get(name)
        os.environ.update(entry.env)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        twin_class = entry.load()
        twin_class.configure_threads(threads)
        info = {"pid": os.getpid(), **twin_class.runtime_info()}
        info["startup_seconds"] = time.perf_counter() - t0
    except BaseException as exc:  # noqa: BLE001  (reported to the parent as one line)
        conn.send(("error", _one_line(exc)))
        return
    conn.send(("ok", info))
    state = _Serving(twin_class)
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
            reply = ("error", _one_line(exc))
        conn.send(reply)


# ============================================================================ parent side
class TwinWorker:
    """The parent's handle of one twin's worker process. The worker's output (its libraries'
    chatter: TensorFlow's start-up lines) goes to ``log_path``, whose last line explains a
    worker that died; with ``verbose`` it goes to the parent's stderr instead, TensorFlow's
    C++ log included (``TF_CPP_MIN_LOG_LEVEL`` 0 unless the user set it)."""

    def __init__(self, name: str, threads: int, timeout: float = DEFAULT_TIMEOUT,
                 log_path: Path | None = None, verbose: bool = False):
        self.name = name
        self.timeout = timeout
        self.data_key = None
        ours, theirs = socket.socketpair()
        self.log_path = None if verbose else log_path
        env = {**BLAS_IDLE_ENV, **os.environ}
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
                 "--twin", name, "--threads", str(int(threads)), "--parent", str(os.getpid())],
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

    def start(self, name: str) -> TwinWorker:
        """The live worker of twin ``name``, started (again) if needed (WorkerDied)."""
        w = self.workers.get(name)
        if w is None or not w.alive:
            if w is not None:
                w.close()
            self.workers.pop(name, None)
            w = TwinWorker(name, self.threads, self.timeout, self._tmp / f"{name}.log",
                           verbose=self.verbose)
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
    """``python -m benchmarks.harness.worker --fd FD --twin NAME --threads N`` (started by the
    pool)."""
    t0 = time.perf_counter()
    p = argparse.ArgumentParser(prog="python -m benchmarks.harness.worker")
    p.add_argument("--fd", type=int, required=True)
    p.add_argument("--twin", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--parent", type=int, default=None)
    args = p.parse_args(argv)
    if args.parent is not None:  # a worker dies with its parent (a stopped one too)
        from benchmarks.harness.lifetime import die_with_parent

        die_with_parent(args.parent)
    _serve(Connection(args.fd), args.twin, args.threads, t0)


if __name__ == "__main__":
    main()
