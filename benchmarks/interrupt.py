"""SIGTERM and SIGHUP stop kvsbench as Ctrl-C does: a CI job cancelled (SIGTERM) or a closed
terminal (SIGHUP) used to end it silently (exit 143/129) with its workers' temp files left;
now each raises :class:`Stopped`, a :class:`KeyboardInterrupt`, so the same clean-up runs
(workers stopped, temp files removed, every file whole) and the command says in one line what
stopped it (:func:`interruption`) and how to resume.
"""

from __future__ import annotations

import contextlib
import signal

#: the signals that stop kvsbench as Ctrl-C does
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP received (``signum``): handled as Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise Stopped(signum)


@contextlib.contextmanager
def stop_signals_as_interrupt():
    """While the block runs, :data:`STOP_SIGNALS` raise :class:`Stopped`; the previous
    handlers are put back after (a test calling the CLI leaves its process as it was). Off the
    main thread, where Python cannot set handlers, the signals are left alone."""
    try:
        saved = {s: signal.signal(s, _raise_stopped) for s in STOP_SIGNALS}
    except ValueError:
        saved = {}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def interruption(exc: KeyboardInterrupt) -> tuple[str, int]:
    """What stopped kvsbench, in words, and its exit status (128 + the signal's number)."""
    signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
    what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    return what, 128 + int(signum)
