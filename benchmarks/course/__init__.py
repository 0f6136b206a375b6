"""``kvsbench course``: the from-scratch course's experiments, rerun, with their own report.

``kvsbench course NAME [NAME ...] | all --out DIR [--data-dir D] [--quick]`` runs

- ``blobs``: logistic regression on two blobs and its decision boundary, epoch by epoch;
- ``moons``: the course's seven optimizer runs on make_moons, then the twins on the same data;
- ``sleep-study``: a 2-3-1 network, gradient check, BFGS against gradient descent and Adam;
- ``fashion``: the Fashion-MNIST notebook (t-SNE maps, logistic regression, the Dense(100) net);

and writes their CSVs and plots into DIR, then ``course.md`` and a self-contained
``course.html`` covering every experiment found in DIR. Each experiment lives in its own module
(``run(out_dir, budget=1.0, ...)``); heavy imports happen in the command function only, so
``kvsbench --help`` stays quick.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

#: the experiments, in report order
EXPERIMENTS = ("blobs", "moons", "sleep-study", "fashion")
DEFAULT_OUT = Path("results") / "course"
_MODULES = {
    "blobs": "benchmarks.course.blobs_experiment",
    "moons": "benchmarks.course.moons_experiment",
    "sleep-study": "benchmarks.course.sleep_study_experiment",
    "fashion": "benchmarks.course.fashion_experiment",
}


def parse_names(names) -> list[str]:
    """The experiments asked for, in report order, each once; ``all`` means every one.

    Raises
    ------
    benchmarks.errors.ConfigError
        An unknown name (the message lists the valid ones).
    """
    from benchmarks.errors import ConfigError

    wanted = set()
    for name in names:
        key = name.strip().lower().replace("_", "-")
        if key == "all":
            wanted.update(EXPERIMENTS)
        elif key in EXPERIMENTS:
            wanted.add(key)
        else:
            raise ConfigError(
                f"unknown course experiment {name!r}: use one or more of "
                f"{', '.join(EXPERIMENTS)}, or all"
            )
    return [name for name in EXPERIMENTS if name in wanted]


def run_course(names, out_dir, data_dir=None, budget: float = 1.0, skip_missing_data=False,
               log=print) -> dict:
    """Run the experiments ``names`` into ``out_dir`` and write the report.

    ``fashion`` needs Fashion-MNIST: when the data cannot be found or read, or lacks a pair's
    classes, :class:`~benchmarks.errors.DataError` is raised before anything runs or is
    written (and an ``out_dir`` that cannot be written, WriteError) — unless
    ``skip_missing_data`` (``kvsbench course all``), which skips it with a one-line note on
    stderr and in the report, and runs the rest.

    Returns
    -------
    dict
        ``{"summaries": {name: summary}, "skipped": {name: reason}, "report": (md, html)}``.
    """
    import importlib

    from benchmarks.course.common import check_budget
    from benchmarks.course.report import build_course_report
    from benchmarks.errors import DataError
    from benchmarks.results.place import check_writable, prepare

    budget = check_budget(budget)
    out_dir = Path(out_dir)
    check_writable(out_dir)
    skipped = {}
    if "fashion" in names:  # read and check the data now, before anything is written
        from benchmarks.course.fashion_experiment import PAIRS
        from benchmarks.data import check_pairs

        try:
            check_pairs(PAIRS, "seed", data_dir)
        except DataError as exc:
            if not skip_missing_data:
                raise
            skipped["fashion"] = str(exc)
            print(f"kvsbench: skipping fashion: {exc}", file=sys.stderr)
    prepare(out_dir)
    summaries = {}
    for name in names:
        if name in skipped:
            continue
        module = importlib.import_module(_MODULES[name])
        kwargs = {"data_dir": data_dir} if name == "fashion" else {}
        t0 = time.perf_counter()
        summaries[name] = module.run(out_dir, budget=budget, log=log, **kwargs)
        log(f"kvsbench course: {name} done in {time.perf_counter() - t0:.1f} s")
    report = build_course_report(out_dir, skipped)
    return {"summaries": summaries, "skipped": skipped, "report": report}


def add_parser(subparsers) -> None:
    """Register ``kvsbench course`` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "course",
        help="rerun the course's experiments (blobs, moons, sleep-study, fashion) with a report",
        description="Rerun the from-scratch course's experiments, put every number the course "
        "printed beside the one measured now, train the Keras twins beside the scratch ones, "
        "and write CSVs, plots, course.md and a self-contained course.html into --out.",
    )
    p.add_argument("names", nargs="+", metavar="NAME",
                   help=f"experiments to run: {', '.join(EXPERIMENTS)}, or all")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"result directory (default {DEFAULT_OUT})")
    p.add_argument("--data-dir", default=None,
                   help="directory with the four Fashion-MNIST files (fashion only)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--quick", action="store_true",
                        help="a 5%% budget: fewer epochs, steps and t-SNE images (a smoke run; "
                        "the figures are then not the course's)")
    budget.add_argument("--budget", type=float, default=None,
                        help="fraction of the course's epochs / steps to run, in (0, 1]")
    p.add_argument("--verbose", action="store_true",
                   help="show TensorFlow's own output (its start-up lines); without it, it "
                   "goes to tensorflow.log in --out")
    p.set_defaults(func=cmd_course)


def cmd_course(args) -> int:
    from benchmarks.course.common import QUICK_BUDGET
    from benchmarks.errors import ConfigError

    names = parse_names(args.names)
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise ConfigError(
            f"--data-dir {args.data_dir} is not a directory; point it at the four "
            "Fashion-MNIST files."
        )
    budget = QUICK_BUDGET if args.quick else (1.0 if args.budget is None else args.budget)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # fashion named explicitly must run; as part of "all" it is skipped when there is no data
    named = {n.strip().lower() for n in args.names}
    with contextlib.ExitStack() as stack:
        if not args.verbose:
            from benchmarks.native_stderr import native_stderr_to

            stack.enter_context(native_stderr_to(Path(args.out) / "tensorflow.log"))
        result = run_course(names, args.out, data_dir=args.data_dir, budget=budget,
                            skip_missing_data="fashion" not in named)
    md, html = result["report"]
    print(f"kvsbench course: {len(result['summaries'])} experiment(s) run"
          + (f", skipped: {', '.join(result['skipped'])}" if result["skipped"] else "")
          + f"; report {md} and {html}")
    return 0
