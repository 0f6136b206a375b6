"""The ``kvsbench`` command line: ``run``, ``report``, ``compare``, ``course``, ``standin``.

Bad input gets one line on stderr naming what is wrong and what to do, and exit status 2,
before any work starts; a file that cannot be written, one line naming it and the cause (exit
2); Ctrl-C, one line (exit 130). Never a bare traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from benchmarks.errors import ConfigError, KvsbenchError

DEFAULT_OUT = Path("results") / "latest"
#: modules that each add one subcommand through ``add_parser(subparsers)`` (heavy imports
#: stay inside their command functions, so ``kvsbench --help`` is quick)
COMMAND_MODULES = tuple(
    m for m in ("benchmarks.report", "benchmarks.compare", "benchmarks.course",
                "benchmarks.standin")
    if importlib.util.find_spec(m) is not None
)


def _add_run(sub) -> None:
    from benchmarks import registry
    from benchmarks.config import (
        ACTIVATIONS,
        DEFAULT_PAIRS,
        INITS,
        MODELS,
        OPTIMIZERS,
        PROTOCOLS,
        SCHEDULES,
    )
    from benchmarks.sweep import DEFAULT_THREADS
    from benchmarks.worker import DEFAULT_TIMEOUT

    p = sub.add_parser(
        "run",
        help="train both twins on Fashion-MNIST pairs and write CSVs, plots and a report",
        description="Train the scratch and Keras twins under identical conditions. With no "
        "flags: the course's experiment (Trouser vs Ankle boot and Pullover vs Coat, logreg "
        "and mlp, both twins).",
    )
    pairs = p.add_mutually_exclusive_group()
    pairs.add_argument("--pairs", nargs="+", default=list(DEFAULT_PAIRS), metavar="A:B",
                       help="class pairs by index or name, e.g. trouser:ankle-boot 2:4 "
                       "(default: %(default)s)")
    pairs.add_argument("--all-pairs", action="store_true", help="all 45 pairs")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    p.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001)")
    p.add_argument("--batch-size", default="32", help="a positive int, or 'full' (default 32)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--schedule", default="constant", choices=SCHEDULES,
                   help="per-epoch learning-rate schedule")
    p.add_argument("--decay-rate", type=float, default=1.0)
    p.add_argument("--decay-interval", type=int, default=1, help="epochs per staircase step")
    p.add_argument("--init", default="glorot_uniform", choices=INITS)
    p.add_argument("--hidden-units", type=int, default=100)
    p.add_argument("--activation", default="relu", choices=ACTIVATIONS)
    p.add_argument("--momentum", type=float, default=0.9, help="beta of --optimizer momentum")
    p.add_argument("--seeds", type=int, default=1, help="repeat each experiment with N seeds")
    p.add_argument("--protocol", default="seed", choices=PROTOCOLS)
    p.add_argument("--impls", nargs="+", default=["scratch", "keras"],
                   choices=[*registry.names(), "all"], metavar="TWIN",
                   help=f"twins to train, each in its own process: {', '.join(registry.names())}"
                   ", or all (every installed twin) (default: %(default)s)")
    p.add_argument("--reference", default=None, metavar="TWIN",
                   help="the twin the others' parity and speed are measured against (default: "
                   f"{registry.DEFAULT_REFERENCE} when it runs, else the first twin)")
    p.add_argument("--target-acc", type=float, default=None,
                   help="record the time to reach this validation accuracy")
    p.add_argument("--data-dir", default=None, help="directory with the four Fashion-MNIST files")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="result directory")
    p.add_argument("--threads", default=str(DEFAULT_THREADS), metavar="N|all",
                   help="threads of every twin (NumPy's BLAS, TensorFlow's op pool): each twin "
                   "trains alone in its own process, one at a time, so N threads are N cores "
                   "for each; 'all' (or 0) is every core of the machine (default: "
                   "%(default)s; docs/speed.md has the figures behind it)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="an epoch of one twin taking longer than this is a failed run: its "
                   "worker is killed and the sweep goes on (default: %(default)g)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)


def parse_threads(value) -> int:
    """``--threads``: a count >= 0, or "all" (→ 0: every core)."""
    text = str(value).strip().lower()
    if text == "all":
        return 0
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise ConfigError(
            f"Argument `--threads` must be an int >= 0 or 'all'. Received: --threads={value}"
        )
    return n


def build_sweep(args):
    """Turn ``kvsbench run`` arguments into a validated :class:`Sweep` (ConfigError/DataError)."""
    from benchmarks.config import ExperimentConfig, parse_batch_size
    from benchmarks.data import all_pairs, pair_slug, parse_pair
    from benchmarks.registry import resolve
    from benchmarks.sweep import Sweep

    if not args.timeout > 0:
        raise ConfigError(f"Argument `--timeout` must be > 0. Received: --timeout={args.timeout}")
    if args.seeds < 1:
        raise ConfigError(f"Argument `--seeds` must be >= 1. Received: --seeds={args.seeds}")
    if args.target_acc is not None and not 0 < args.target_acc <= 1:
        raise ConfigError(
            f"Argument `--target-acc` must be in (0, 1]. Received: --target-acc={args.target_acc}"
        )
    impls, reference = resolve(args.impls, args.reference)
    pairs = all_pairs() if args.all_pairs else [parse_pair(p) for p in args.pairs]
    slugs = tuple(dict.fromkeys(pair_slug(p) for p in pairs))
    base = ExperimentConfig(
        model=args.models[0],
        pair=slugs[0],
        optimizer=args.optimizer,
        learning_rate=args.lr,
        batch_size=parse_batch_size(args.batch_size),
        epochs=args.epochs,
        hidden_units=args.hidden_units,
        activation=args.activation,
        init=args.init,
        schedule=args.schedule,
        decay_rate=args.decay_rate,
        decay_interval=args.decay_interval,
        momentum=args.momentum,
        protocol=args.protocol,
    )
    return Sweep(
        base=base,
        pairs=slugs,
        models=tuple(dict.fromkeys(args.models)),
        seeds=args.seeds,
        impls=impls,
        reference=reference,
        timeout=args.timeout,
        target_acc=args.target_acc,
        data_dir=args.data_dir,
        threads=parse_threads(args.threads),
    )


def cmd_run(args) -> int:
    from benchmarks.sweep import run_sweep

    sweep = build_sweep(args)
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise ConfigError(
            f"--data-dir {args.data_dir} is not a directory; "
            "point it at the four Fashion-MNIST files."
        )
    try:
        counts = run_sweep(sweep, args.out, quiet=args.quiet)
    except KeyboardInterrupt:
        print(f"kvsbench: interrupted; the runs finished so far are in {args.out}; "
              "re-run the same command to complete the rest.", file=sys.stderr)
        return 130
    from benchmarks.markup import one_line

    built = _after_run(args.out, args.data_dir)
    print(one_line(f"kvsbench: {counts['ran']} experiment(s) run, {counts['skipped']} skipped, "
                   f"{counts['diverged']} with a diverged or failed twin; results in {args.out}"))
    for line in built["verdict"]:
        print(f"  - {line}")
    print(one_line(f"kvsbench: report: {built['report_html']} and {built['report_md']}"))
    return 0


def _after_run(out_dir: Path, data_dir=None) -> dict:
    """Write the summary, plots and report of a finished run."""
    from benchmarks.report import build_report

    return build_report(out_dir, data_dir=data_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kvsbench",
        description="Keras-vs-scratch benchmark harness: train NumPy and Keras twins of the "
        "same small models under identical conditions and compare them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv=None) -> int:
    # TensorFlow's C++ log: errors that matter only (set before any command may import it)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:  # Ctrl-C while the commands' modules load is caught too
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except KvsbenchError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # `kvsbench compare A B | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file kvsbench had to read or write, outside the checks above
        where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        return _fail(f"{where or 'a file'}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        print("kvsbench: interrupted; every file written is whole (the old one, or the new "
              "one): re-run the command to finish.", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    """One line on stderr (control characters from a file name or a result file blanked, so
    nothing read from a file can drive the terminal) and exit status 2."""
    from benchmarks.markup import one_line

    print(f"kvsbench: error: {one_line(message)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
