"""``kvsbench check TWIN``: the conformance battery (:mod:`benchmarks.check.battery`) of a twin
given by name, ``MODULE:CLASS`` or ``path/to/file.py:CLASS``, as a table (or ``--format
json``). Exit status 0 when every check passes, 1 when one fails, 2 on bad input (an unknown
twin, a malformed or missing target, a twin whose libraries are not installed, no data).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks.errors import ConfigError

#: the pair the battery trains on unless told otherwise
CHECK_PAIR = "pullover:coat"


def resolve_twin(spec: str) -> str:
    """The registry name of ``spec`` (a name, or a target registered now); ConfigError for bad
    input. A class that fails to import or lacks a method is NOT bad input: it is a failed
    interface check."""
    from benchmarks.twins import registry

    if ":" not in spec:
        entry = registry.get(spec)
    else:
        where = spec.rpartition(":")[0]
        if where.endswith(".py") and not Path(where).expanduser().is_file():
            raise ConfigError(f"kvsbench check {spec}: no such file {where}; give "
                              "path/to/file.py:CLASS of an existing file.")
        entry = registry.get(registry.register(spec))
    if not entry.broken:
        why = entry.missing()
        if why:
            raise ConfigError(why)
    return entry.name


def default_references(twin: str) -> tuple[str, str]:
    """(step reference, run reference) of ``twin``: the scratch twin's steps (Keras' rules in
    NumPy; Keras' own for the scratch twin) and a run with Keras (with scratch for Keras)."""
    from benchmarks.twins.registry import DEFAULT_REFERENCE

    step = DEFAULT_REFERENCE if twin == "scratch" else "scratch"
    run = "scratch" if twin == DEFAULT_REFERENCE else DEFAULT_REFERENCE
    return step, run


def format_table(checks) -> str:
    from benchmarks.errors import one_line

    rows = [("group", "check", "result", "figure", "tolerance")]
    for c in checks:
        rows.append((c.group, c.name, "pass" if c.ok else "FAIL",
                     f"{c.figure:.2g}" if c.figure == c.figure else "",
                     f"{c.tolerance:g}" if c.tolerance == c.tolerance else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for c in checks:
        if not c.ok:
            lines.append(one_line(f"FAIL {c.group} {c.name}: {c.detail}"))
    return "\n".join(lines)


def cmd_check(args) -> int:
    from benchmarks.check.battery import GROUPS, run_battery
    from benchmarks.data import load_pair, pair_slug, parse_pair
    from benchmarks.twins import registry

    twin = resolve_twin(args.twin)
    references = default_references(twin) if args.reference is None else \
        (args.reference, args.reference)
    for reference in references:
        why = registry.get(reference).missing()
        if why:
            raise ConfigError(why)
        if reference == twin:
            raise ConfigError(f"Argument `--reference` must be another twin than the one "
                              f"checked. Received: --reference={reference!r}")
    first, second = parse_pair(args.pair)
    pair = load_pair(first, second, protocol="seed", data_dir=args.data_dir, seed=42)
    log = None if args.quiet or args.format == "json" else \
        (lambda msg: print(f"  {msg}", file=sys.stderr))
    checks, seconds = run_battery(twin, references, pair, pair_slug((first, second)), "seed",
                                  groups=tuple(args.only or GROUPS), log=log)
    ok = all(c.ok for c in checks)
    if args.format == "json":
        print(json.dumps({"twin": twin, "step_reference": references[0],
                          "run_reference": references[1], "pair": args.pair, "ok": ok,
                          "seconds": round(seconds, 2),
                          "checks": [c.to_dict() for c in checks]}, indent=2))
    else:
        print(format_table(checks))
        passed = sum(c.ok for c in checks)
        print(f"kvsbench check {twin} (steps against {references[0]}, run with "
              f"{references[1]}): {passed} of {len(checks)} checks pass in {seconds:.0f} s"
              + ("" if ok else " — see FAIL above"))
    return 0 if ok else 1


def add_parser(sub) -> None:
    """Register ``kvsbench check TWIN [--reference TWIN] [--pair A:B] [--data-dir DIR]
    [--format text|json] [--quiet]``."""
    p = sub.add_parser(
        "check",
        help="the conformance battery of a twin against Keras' exact rules (interface, "
        "gradients, one step of every optimizer, a short paired run)",
        description="Check a twin — a name from `kvsbench twins`, MODULE:CLASS or "
        "path/to/file.py:CLASS — against Keras' exact rules: its interface (methods, "
        "shapes and dtypes of weights and state); its gradient against float64 finite "
        "differences per model; one step from a shared state (step parity) for every "
        "optimizer × model × batch 32 and full batch under an inverse-time schedule; a "
        "2-epoch paired run per model. Exit 0 when all pass, 1 when one fails, 2 on bad "
        "input. docs/plugins.md.",
    )
    p.add_argument("twin", metavar="TWIN", help="a twin's name, MODULE:CLASS or FILE.py:CLASS")
    p.add_argument("--reference", default=None, metavar="TWIN",
                   help="the twin whose steps are the truth and the paired run's other twin "
                   "(default: steps against scratch — Keras' rules in NumPy, itself held to "
                   "Keras' steps — and the run with keras; for scratch, keras's steps)")
    p.add_argument("--pair", default=CHECK_PAIR, metavar="A:B",
                   help="the Fashion-MNIST pair trained on (the course's seed split)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="directory with the four Fashion-MNIST files (default: "
                   "FASHION_MNIST_DIR, then the Keras cache)")
    p.add_argument("--format", default="text", choices=("text", "json"),
                   help="a table and the failures' details, or JSON")
    p.add_argument("--only", nargs="+", default=None, metavar="GROUP",
                   choices=("interface", "gradient", "step", "run"),
                   help="run only these groups of checks: interface, gradient, step, run "
                   "(default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=cmd_check)
