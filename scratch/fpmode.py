"""Flushing subnormal floats to zero while the scratch twin trains, as TensorFlow does for Keras.

Why: TensorFlow sets the CPU's flush-to-zero / denormals-are-zero mode wherever its kernels run
(``tsl::port::ScopedFlushDenormal``: at the start of every thread of its pools, and around an
eager kernel run on the caller's thread), so every number Keras computes below the smallest
normal float (``np.finfo(float32).tiny``, about 1.2e-38) is exactly 0. The scratch twin would
otherwise keep such "subnormal" values, and training makes many: once a weight's gradient stays
0 (every weight into a ReLU unit that no longer fires for any image, or from a pixel that is
almost always 0), Adam's moments shrink by ``beta_1`` and ``beta_2`` per step into the
subnormal range, and there they stay: in Keras' form ``m += (g - m)(1 - beta_1)`` the last
corrections round to 0, leaving ``m`` at about 6e-45 and ``v`` at about 7e-43 for the rest of
training. Many CPUs handle subnormal operands or results in microcode, tens to hundreds of
cycles per value, so every later pass over such a slot can be several times slower (on some
CPUs only square roots and divisions are). Flushing them is part of "what Keras really
computes", and keeps the twin's timing comparable.

Three means, whichever the platform allows (:func:`means` names the one in use):

``"ftz_daz"``
    x86-64 Linux (glibc): the MXCSR bits FTZ (flush results) and DAZ (read subnormal inputs as
    0), set through libm's ``fegetenv``/``fesetenv`` with :mod:`ctypes` (no compiler needed).
``"fz"``
    aarch64 Linux (glibc): the FPCR bit FZ, which flushes both inputs and results.
``"explicit"``
    anywhere else, or if the CPU mode cannot be set: :func:`flush_subnormals` zeroes the
    subnormal values of the optimizer's slots after each step (the training loop does it), so
    the slow values never persist; short-lived subnormals inside one step are not caught.

The CPU mode belongs to one thread: :func:`flush_denormals` affects only the calling thread
(and, as POSIX specifies, threads it creates while the mode is on). That is the thread that
runs NumPy's elementwise loops (the optimizer's update, activations, the loss), where the slow
passes are. BLAS worker threads (``threadpoolctl``) keep their own mode; matrix products rarely
meet subnormals, and are not where the time went.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import sys
from contextlib import contextmanager

import numpy as np

__all__ = [
    "EXPLICIT",
    "FTZ_DAZ",
    "FZ",
    "OFF",
    "cpu_flush_available",
    "flush_denormals",
    "flush_mode_enabled",
    "flush_subnormals",
    "means",
    "unavailable_reason",
]

FTZ_DAZ = "ftz_daz"
FZ = "fz"
EXPLICIT = "explicit"
OFF = "off"  # what the training loop reports when flushing is turned off

# Where the control register sits in glibc's fenv_t, and which of its bits flush subnormals:
# name -> (sizeof(fenv_t), byte offset of the register, bit mask, means)
_LAYOUTS = {
    # struct {x87 environment (28 bytes); unsigned int __mxcsr;}; FTZ = bit 15, DAZ = bit 6
    "x86_64": (32, 28, 0x8000 | 0x0040, FTZ_DAZ),
    # struct {unsigned int __fpcr; unsigned int __fpsr;}; FZ = bit 24
    "aarch64": (8, 0, 1 << 24, FZ),
}
_MACHINE_ALIASES = {"amd64": "x86_64", "x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def _load_fenv_functions():
    """``(fegetenv, fesetenv)`` from libm (glibc keeps them there) or libc, or None."""
    for name in ("libm.so.6", "libc.so.6"):
        try:
            lib = ctypes.CDLL(name)
            functions = lib.fegetenv, lib.fesetenv
        except (OSError, AttributeError):
            continue
        for function in functions:
            function.argtypes = [ctypes.c_void_p]
            function.restype = ctypes.c_int
        return functions
    return None


def _is_glibc():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):
        return platform.libc_ver()[0] == "glibc"


def _swap_flush_bits(state, bits=None):
    """Set the flush bits of the calling thread's control register to ``bits``; return the old.

    Only the bits of the layout's mask change (none when ``bits`` is None); the rest of fenv_t
    is written back as it was read.
    """
    (size, offset, mask, _), fegetenv, fesetenv = state
    env = (ctypes.c_ubyte * size)()
    if fegetenv(env) != 0:
        raise OSError("fegetenv failed")
    register = ctypes.c_uint.from_buffer(env, offset)
    old = register.value & mask
    if bits is not None and old != bits & mask:
        register.value = (register.value & ~mask) | (bits & mask)
        if fesetenv(env) != 0:
            raise OSError("fesetenv failed")
    return old


@functools.cache
def _platform_state():
    """``(state, None)`` if the CPU mode works here, else ``(None, reason)``; found out once.

    ``state`` is ``(layout, fegetenv, fesetenv)``, ``layout`` a value of ``_LAYOUTS``.
    """
    machine = _MACHINE_ALIASES.get(platform.machine().lower())
    if not sys.platform.startswith("linux") or machine is None:
        return None, f"no known fenv_t layout for {sys.platform}/{platform.machine()}"
    if not _is_glibc():
        return None, "not glibc: its fenv_t layout is not known"
    functions = _load_fenv_functions()
    if functions is None:
        return None, "fegetenv/fesetenv not found in libm or libc"
    state = (_LAYOUTS[machine], *functions)
    mask = state[0][2]
    # Check the layout empirically: in the mode, a subnormal result (FTZ) and a subnormal
    # operand (DAZ; made before the mode is set) must both count as 0.
    subnormal = np.float32(1e-39)
    try:
        previous = _swap_flush_bits(state, mask)
        try:
            flushed = (
                np.float32(2e-38) * np.float32(0.5) == 0 and subnormal * np.float32(2.0**30) == 0
            )
        finally:
            _swap_flush_bits(state, previous)
    except OSError as error:
        return None, str(error)
    if not flushed:
        return None, f"setting the {state[0][3]} bits did not flush subnormals"
    return state, None


def cpu_flush_available():
    """Whether this platform's CPU flush mode (``"ftz_daz"`` or ``"fz"``) can be set."""
    return _platform_state()[0] is not None


def unavailable_reason():
    """Why the CPU flush mode is unavailable (a sentence), or None when it is available."""
    return _platform_state()[1]


def means():
    """How the training loop flushes subnormals here: ``"ftz_daz"``, ``"fz"`` or ``"explicit"``.

    The string to record (e.g. in a run's env.json) next to the scratch twin's timings.
    """
    state = _platform_state()[0]
    return state[0][3] if state is not None else EXPLICIT


def flush_mode_enabled():
    """Whether the calling thread currently flushes subnormals (False where unavailable)."""
    state = _platform_state()[0]
    if state is None:
        return False
    return _swap_flush_bits(state) == state[0][2]


@contextmanager
def flush_denormals(enabled=True):
    """Run the ``with`` block with the calling thread's subnormals flushed to zero.

    The previous state of the flush bits is restored on exit, also when the block raises;
    contexts nest. Other threads, and the rest of the floating-point environment (rounding
    mode, exception flags), are left alone.

    Parameters
    ----------
    enabled : bool, default True
        False makes the context do nothing (and yield ``"off"``).

    Yields
    ------
    str
        The means in force: ``"ftz_daz"`` or ``"fz"`` (the CPU flushes), ``"explicit"`` (the
        CPU mode is unavailable and nothing was changed: flush the optimizer's slots with
        :func:`flush_subnormals`), or ``"off"``.
    """
    state = _platform_state()[0] if enabled else None
    if state is None:
        yield EXPLICIT if enabled else OFF
        return
    previous = _swap_flush_bits(state, state[0][2])
    try:
        yield state[0][3]
    finally:
        _swap_flush_bits(state, previous)


def flush_subnormals(a, work=None):
    """Set the subnormal values of ``a`` to zero, in place (the ``"explicit"`` means).

    Subnormal means ``0 < |a| < np.finfo(a.dtype).tiny``; zeros, normal numbers, infinities
    and nans are unchanged. Three passes over ``a``: ``keep = |a| >= tiny`` (as 0.0 / 1.0 in
    ``work``), then ``a *= keep`` (a flushed value keeps its sign: -0.0 for a negative one).

    Parameters
    ----------
    a : ndarray of a float dtype, any shape
        Updated in place.
    work : ndarray of the shape and dtype of ``a``, optional
        Scratch buffer (allocated when not given).

    Returns
    -------
    ndarray
        ``a``.
    """
    tiny = np.finfo(a.dtype).tiny
    keep = np.abs(a, out=work)
    np.greater_equal(keep, tiny, out=keep)  # 1.0 where normal, 0.0 where subnormal (or zero)
    a *= keep  # nan * 0.0 stays nan: abs(nan) >= tiny is False, so nan is "kept" as nan
    return a
