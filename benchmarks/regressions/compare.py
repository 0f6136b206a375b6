"""``kvsbench compare BASELINE CURRENT``: did accuracy, parity or relative speed regress?

The command in three modules, one job each: reading the two result directories
(:mod:`~benchmarks.regressions.result_dirs`), the checks and their verdicts — which figure
fails when — (:mod:`~benchmarks.regressions.checks`, :mod:`~benchmarks.regressions.speedcheck`
for the speed verdict), and the output as text or Markdown
(:mod:`~benchmarks.regressions.compare_format`). This module is the command line only; the API
is imported from those modules.

Exit status: 0 nothing regressed, 1 something did, 2 bad input
(:class:`benchmarks.errors.ResultsError`, printed as one line by the CLI): a missing or damaged
directory, a runs.csv cut mid-row, a run recorded twice, no experiment of the baseline in the
current directory.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness.runner import PARITY_TOLERANCE
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE
from benchmarks.regressions.checks import Tolerances, compare_dirs
from benchmarks.regressions.compare_format import format_markdown, format_text

FORMATS = ("text", "markdown")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two result directories; exit 1 on an accuracy, parity or speed regression",
        description="Compare CURRENT with BASELINE experiment by experiment (matched by config): "
        "test accuracy, keras/scratch loss parity, the keras/scratch time ratio measured inside "
        "each run, and with --same-machine absolute epoch times. Exit 0: no regression; "
        "1: a regression; 2: bad input.",
    )
    p.add_argument("baseline", type=Path, help="the reference result directory")
    p.add_argument("current", type=Path, help="the result directory to judge")
    p.add_argument("--acc-tol", type=float, default=1.0, metavar="PP",
                   help="allowed drop of mean test accuracy, percentage points (default 1); with "
                   ">= 3 seeds on both sides the baseline's 95%% CI is used instead")
    p.add_argument("--ratio-tol", type=float, default=0.25, metavar="FRAC",
                   help="allowed relative fall of the reference/twin speed (default 0.25); a "
                   "larger fall is a regression only when outside the noise (docs/ci.md)")
    p.add_argument("--step-parity-tol", type=float, default=STEP_PARITY_TOLERANCE,
                   metavar="GAP", help="largest allowed step parity of a twin against the "
                   f"reference, the verdict (default {STEP_PARITY_TOLERANCE:g}; docs/parity.md)")
    p.add_argument("--parity-tol", type=float, default=PARITY_TOLERANCE, metavar="LOSS",
                   help="largest allowed per-epoch train-loss difference of the twins, for "
                   "runs without a step-parity figure (default "
                   f"{PARITY_TOLERANCE:g}; otherwise it is information)")
    p.add_argument("--time-tol", type=float, default=0.25, metavar="FRAC",
                   help="with --same-machine: allowed relative slow-down of the steady epoch "
                   "time (default 0.25)")
    p.add_argument("--same-machine", action="store_true",
                   help="also compare absolute epoch times (refused unless both env.json "
                   "fingerprints agree on CPU, cores, BLAS and its threads)")
    p.add_argument("--strict", action="store_true",
                   help="fail on experiments or twins present on one side only")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="plain text table (default) or markdown (a CI job summary)")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    tol = Tolerances(acc_pp=args.acc_tol, ratio=args.ratio_tol, parity=args.parity_tol,
                     step_parity=args.step_parity_tol, time=args.time_tol, strict=args.strict,
                     same_machine=args.same_machine)
    cmp = compare_dirs(args.baseline, args.current, tol)
    print(format_markdown(cmp) if args.format == "markdown" else format_text(cmp))
    return 1 if cmp.regressed else 0
