"""Child processes die with their parent, and leave nothing behind in ``/tmp``.

A twin's worker (:mod:`benchmarks.harness.worker`) and a report's drawing worker
(:mod:`benchmarks.report.parallel_drawing`) run in sessions of their own (Ctrl-C in the terminal
is the parent's), so a parent killed with SIGKILL — or stopped and then killed — took nothing
with it: a stopped worker stayed under init holding 848 MB, drawing workers outlived their
report by minutes. :func:`die_with_parent` fixes that twice: on Linux the kernel sends the child
SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``, via ctypes; it kills a stopped
process too), and everywhere a daemon thread watches the parent's pid and ends the process when
it changes (a watchdog; a worker blocked on its pipe also sees end-of-file there).

The pool's private directory of pair arrays is ``/tmp/kvsbench-pairs-<pid>-*``:
:func:`clean_stale_pair_dirs` removes those of processes that are gone (killed, so their own
clean-up never ran).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

#: the prefix of a pool's directory of pair arrays; the owner's pid follows
PAIRS_PREFIX = "kvsbench-pairs-"
_PAIRS_DIR = re.compile(re.escape(PAIRS_PREFIX) + r"(?:(\d+)-)?[A-Za-z0-9_]+$")
_PR_SET_PDEATHSIG = 1
#: seconds between two looks of the watchdog
WATCH_SECONDS = 1.0


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) dies: the kernel's parent-death
    signal on Linux, and a watchdog thread anywhere. Ends at once when the parent has
    already gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), daemon=True,
                     name="kvsbench-parent-watchdog").start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def make_pair_dir() -> Path:
    """A new private directory for the pair arrays, named after this process."""
    return Path(tempfile.mkdtemp(prefix=f"{PAIRS_PREFIX}{os.getpid()}-"))


def clean_stale_pair_dirs(tmp=None) -> list[Path]:
    """Remove the pair directories in ``tmp`` (the system's temp directory) that belong to
    this user and to a process that no longer runs (an older one, without a pid in its
    name, when it is more than a day old). Returns the directories removed."""
    removed = []
    root = Path(tmp or tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for path in entries:
        m = _PAIRS_DIR.match(path.name)
        if not m:
            continue
        try:
            st = path.lstat()
        except OSError:
            continue
        if not path.is_dir() or path.is_symlink() or st.st_uid != os.getuid():
            continue
        pid = m.group(1)
        stale = (not _running(int(pid))) if pid else time.time() - st.st_mtime > 86400
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
