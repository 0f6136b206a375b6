"""Bounded reads: the one way kvsbench reads a file it did not just write — a result
directory's CSVs and JSON files, a ``--like`` sweep.json, a stand-in's description.

Such a file is untrusted (result directories travel), so a read is refused with one line
(the error class the caller names, :class:`~benchmarks.errors.ResultsError` by default) when
the path is not a regular file (``/dev/zero``, a FIFO, which would block for ever, a
directory), when it holds more than its cap (:data:`MAX_JSON_BYTES`, :data:`MAX_CSV_BYTES`,
checked on the open file while reading, so a file that grows is caught too), when its text is
not UTF-8 (UTF-16 and other encodings are named), when JSON nests deeper than
:data:`MAX_JSON_DEPTH` (Python's parser, and every walk over the value, would otherwise hit
RecursionError), and when a CSV header has more than :data:`MAX_CSV_COLUMNS` columns
(pandas takes minutes on 100k). Memory is bounded by the cap: nothing is read past it.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from itertools import accumulate
from pathlib import Path

from benchmarks.errors import ResultsError

#: the largest JSON file read (env.json with a host table of many machines is ~100 kB)
MAX_JSON_BYTES = 8 * 2**20
#: the largest CSV read (curves.csv of 45 pairs × 2 models × 5 seeds × 3 twins × 200 epochs
#: is ~60 MB; pandas needs a few times a file's size in memory)
MAX_CSV_BYTES = 512 * 2**20
#: the most columns a CSV header may have (runs.csv has ~60)
MAX_CSV_COLUMNS = 1000
#: the deepest nesting of JSON arrays and objects (kvsbench writes 4 levels)
MAX_JSON_DEPTH = 32

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))
_BLOCK = 1 << 20
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def read_bytes(path, limit: int, error=ResultsError) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (``error`` if not).

    Opened without blocking (a FIFO is refused, not waited on) and checked on the open file,
    so a link swapped in between cannot slip past."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path} does not exist.") from None
    except OSError as exc:
        raise error(f"{path} cannot be read ({exc.strerror or exc}).") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise error(f"{path} is {kind}, not a regular file: kvsbench reads only regular "
                        "files there; replace it with the file itself.")
        data = bytearray()
        while len(data) <= limit:  # in blocks: read(limit) would reserve the whole cap
            block = os.read(fd, min(_BLOCK, limit + 1 - len(data)))
            if not block:
                break
            data += block
    except OSError as exc:
        raise error(f"{path} cannot be read ({exc.strerror or exc}).") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{path} is larger than {_size(limit)}, more than kvsbench ever writes "
                    "there: it is not a kvsbench file (or was damaged); restore it.")
    return bytes(data)


def decode(raw: bytes, path, error=ResultsError) -> str:
    """``raw`` as UTF-8 text (a UTF-8 byte-order mark is allowed); any other encoding is
    named in the refusal, so a file saved as UTF-16 by an editor is not called damaged."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    head = raw[:4096]
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            raise error(f"{path} is {name} text; kvsbench reads UTF-8: save it as UTF-8 "
                        "(or restore the file kvsbench wrote).")
    half = len(head) // 2
    if half and max(head[0::2].count(0), head[1::2].count(0)) > half * 0.7:
        # every other byte NUL: UTF-16's ASCII, which is valid UTF-8 byte for byte
        raise error(f"{path} is UTF-16 text without a byte-order mark; kvsbench reads UTF-8: "
                    "save it as UTF-8 (or restore the file kvsbench wrote).")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path} is not UTF-8 text (byte {exc.start}: 0x{raw[exc.start]:02x}); "
                    "kvsbench reads UTF-8: save it as UTF-8 (or restore the file kvsbench "
                    "wrote).") from None


def read_text(path, limit: int, error=ResultsError) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, limit, error), path, error)


def json_depth(text: str) -> int:
    """How deep the arrays and objects of the JSON ``text`` nest (strings skipped)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(accumulate(1 if c in "[{" else -1 for c in brackets))


def read_json(path, limit: int = MAX_JSON_BYTES, error=ResultsError):
    """The JSON value of the file ``path``: bounded (:func:`read_bytes`), UTF-8, at most
    :data:`MAX_JSON_DEPTH` deep, ``NaN``/``Infinity`` allowed (Python writes them)."""
    text = read_text(path, limit, error)
    if json_depth(text) > MAX_JSON_DEPTH:
        raise error(f"{path} nests arrays or objects more than {MAX_JSON_DEPTH} deep; kvsbench "
                    "writes a few levels: it is not a kvsbench file (or was damaged).")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise error(f"{path} is not valid JSON ({reason}); restore it, or re-run "
                    "kvsbench.") from None


def check_csv_width(raw: bytes, path, error=ResultsError) -> None:
    """Refuse a CSV whose header line has more than :data:`MAX_CSV_COLUMNS` fields (counted
    on the first line's bytes, before any parser sees it)."""
    header = raw[: raw.find(b"\n")] if b"\n" in raw else raw
    if header.count(b",") + 1 > MAX_CSV_COLUMNS:
        raise error(f"{path} has {header.count(b',') + 1} columns; kvsbench writes fewer than "
                    f"{MAX_CSV_COLUMNS}: it is not a kvsbench file (or was damaged).")


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n} bytes"
