"""Exception types of kvsbench: each carries one line that names what is wrong and what to do;
and :func:`one_line`, how any message from outside reaches a terminal or a report."""

import re

#: C0 and C1 control characters and the Unicode line / paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Unicode's bidirectional controls (embeddings, overrides, isolates, marks): they reorder the
#: text around them, so a name could show as another ("Trojan Source", CVE-2021-42574)
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile("[" + BIDI + "]")


def one_line(value) -> str:
    """``value`` as one line of plain text: control characters (NUL, ESC, line breaks...)
    become spaces and bidirectional controls are dropped, so nothing read from a file can
    start a new line, drive a terminal or show its text in another order."""
    return _BIDI.sub("", _CONTROL.sub(" ", str(value)))


def exception_line(exc: BaseException) -> str:
    """An exception as one line: ``Type: message`` with its whitespace collapsed."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class KvsbenchError(Exception):
    """Base of every error kvsbench reports to a user as one line (the CLI exits 2 on it)."""


class DataError(KvsbenchError, ValueError):
    """Fashion-MNIST could not be found, read or cut as asked (names the file or argument)."""


class ConfigError(KvsbenchError, ValueError):
    """An experiment setting is invalid (names the argument and the value received)."""


class ResultsError(KvsbenchError):
    """A result directory is missing, is not a kvsbench result, or holds another config."""


class WriteError(KvsbenchError):
    """A file could not be written (names the file and the cause: disk full, no permission, a
    file where a directory should be); the previous file, if any, is left as it was."""
