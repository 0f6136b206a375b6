"""``kvsbench twins``: every twin kvsbench knows — built in or installed as a plug-in (the
``kvsbench.twins`` entry-point group, :mod:`benchmarks.twins.registry`) — with its label,
whether its libraries are installed, and the pip extra or package that provides it.

Nothing here imports a twin's framework: a twin's module is imported to read its class's
attributes, and its libraries are looked up with ``importlib.util.find_spec``.
"""

from __future__ import annotations

import json
import sys


def twin_rows(extra_targets=()) -> list[dict]:
    """One dict per twin (report order): name, label, status (``installed``, ``missing`` or
    ``broken``), why (one line, or None), provider, origin, target, description."""
    from benchmarks.twins import registry

    for spec in extra_targets:
        registry.register(spec)
    rows = []
    for name, entry in registry.TWINS.items():
        why = entry.missing()
        status = "broken" if entry.broken else ("missing" if why else "installed")
        rows.append({"name": name, "label": entry.label, "status": status, "why": why,
                     "provider": entry.provider(), "origin": entry.origin,
                     "target": entry.target, "description": entry.description})
    return rows


def format_table(rows: list[dict]) -> str:
    """The rows as an aligned text table, reasons under their twin."""
    from benchmarks.errors import one_line

    head = ("twin", "label", "status", "provided by", "class")
    body = [(r["name"], r["label"], r["status"], r["provider"], r["target"]) for r in rows]
    widths = [max(len(one_line(c)) for c in col) for col in zip(head, *body)]
    lines = ["  ".join(one_line(c).ljust(w) for c, w in zip(line, widths)).rstrip()
             for line in (head, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in rows:
        if r["why"]:
            lines.append(one_line(f"  {r['name']}: {r['why']}"))
    return "\n".join(lines)


def cmd_twins(args) -> int:
    rows = twin_rows(args.twin or ())
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(format_table(rows))
    sys.stdout.flush()
    return 0


def add_parser(sub) -> None:
    """Register ``kvsbench twins [--format text|json] [--twin SPEC ...]``."""
    p = sub.add_parser(
        "twins",
        help="list every twin known (built in or installed), whether it can run here, and "
        "what provides it",
        description="Every twin kvsbench knows: the built-in ones and those installed packages "
        "declare under the entry-point group kvsbench.twins (docs/plugins.md), with its "
        "label, whether its libraries are installed (installed / missing / broken, with the "
        "reason) and the pip extra or package that provides it.",
    )
    p.add_argument("--format", default="text", choices=("text", "json"),
                   help="a table, or JSON (a list of objects)")
    p.add_argument("--twin", action="append", default=None, metavar="MODULE:CLASS|FILE.py:CLASS",
                   help="list this twin class too (as kvsbench run --twin adds it to a run)")
    p.set_defaults(func=cmd_twins)
