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

from benchmarks import __version__
from benchmarks.errors import ConfigError, KvsbenchError
from benchmarks.interrupt import interruption, stop_signals_as_interrupt
from benchmarks.run_options import PROTOCOL_HELP, add_run_options

#: ExperimentConfig fields whose `kvsbench run` flag is not `--` + the field with dashes
_FLAG_OF = {"learning_rate": "--lr"}
#: modules that each add one subcommand through ``add_parser(subparsers)`` (heavy imports
#: stay inside their command functions, so ``kvsbench --help`` is quick)
COMMAND_MODULES = tuple(
    m for m in ("benchmarks.report.build", "benchmarks.regressions.compare",
                "benchmarks.regressions.history", "benchmarks.course", "benchmarks.data.standin",
                "benchmarks.data.command", "benchmarks.twins.command",
                "benchmarks.check.command")
    if importlib.util.find_spec(m) is not None
)


def _add_run(sub) -> None:
    p = sub.add_parser(
        "run",
        help="train both twins on Fashion-MNIST pairs and write CSVs, plots and a report",
        description="Train the scratch and Keras twins under identical conditions and end "
        "with the verdict: per model and twin, the parity figure, test accuracy, time ratio "
        "and diverged/failed runs. With no flags: Trouser vs Ankle boot and Pullover vs Coat, "
        "logreg and mlp, both twins, the official split.",
        epilog=PROTOCOL_HELP,
    )
    add_run_options(p)
    p.set_defaults(func=cmd_run)


#: the run options --like allows beside it (the rest of the sweep comes from DIR)
LIKE_ALLOWED = ("like", "out", "data_dir", "timeout", "scheduler", "quiet", "verbose",
                "on_twin_error")


def explicit_run_options(argv) -> list[str]:
    """The ``kvsbench run`` options given on the command line ``argv`` (dest names), found by
    parsing it again with every default suppressed."""
    parser = _Parser(add_help=False)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_run(sub)
    run = sub.choices["run"]
    for action in run._actions:
        action.default = argparse.SUPPRESS
    return [k for k in vars(parser.parse_args(argv)) if k not in ("command", "func")]


def like_sweep(args):
    """``kvsbench run --like DIR``: the sweep recorded in DIR (:func:`recorded_sweep`)."""
    from benchmarks.config import parse_threads
    from benchmarks.harness.rerun import recorded_sweep

    extra = [k for k in explicit_run_options(args.argv) if k not in LIKE_ALLOWED]
    if extra:
        flags = " ".join("--" + k.replace("_", "-") for k in extra)
        raise ConfigError(
            f"--like {args.like} takes the whole sweep from that directory; drop {flags} "
            "(only --out, --data-dir, --timeout, --scheduler, --quiet and --verbose go with "
            "--like)."
        )
    if not args.timeout > 0:
        raise ConfigError(f"Argument `--timeout` must be > 0. Received: --timeout={args.timeout}")
    from benchmarks.errors import one_line

    sweep = recorded_sweep(args.like, data_dir=args.data_dir, timeout=args.timeout,
                           on_twin_error=args.on_twin_error,
                           log=lambda msg: print(one_line(msg), file=sys.stderr))
    try:
        parse_threads(sweep.threads, cores=_local_cores(args))
    except ConfigError as exc:
        raise ConfigError(f"--like {args.like} was run with --threads {sweep.threads}: {exc}; "
                          "run it on a machine with that many cores.") from None
    return sweep


def _flag_error(exc: ConfigError) -> ConfigError:
    """The config's message with the field names replaced by the flags the user typed
    (``Argument `learning_rate` must be > 0`` → ``Argument `--lr` must be > 0``)."""
    import re

    def flag(field: str) -> str:
        return _FLAG_OF.get(field, "--" + field.replace("_", "-"))

    text = re.sub(r"Argument `(\w+)`", lambda m: f"Argument `{flag(m.group(1))}`", str(exc))
    text = re.sub(r"Received: (\w+)=", lambda m: f"Received: {flag(m.group(1))}=", text)
    return ConfigError(text)


def _local_cores(args) -> int | None:
    """The bound of ``--threads``: this machine's cores (None), or none (0) when the twins
    train on a remote Dask cluster."""
    scheduler = getattr(args, "scheduler", None)
    return 0 if scheduler and not str(scheduler).startswith("local:") else None


def build_sweep(args):
    """Turn ``kvsbench run`` arguments into a validated :class:`Sweep` (ConfigError/DataError)."""
    from benchmarks.config import ExperimentConfig, parse_batch_size, parse_threads
    from benchmarks.data import all_pairs, pair_slug, parse_pair
    from benchmarks.harness.sweep import Sweep
    from benchmarks.twins import registry
    from benchmarks.twins.registry import resolve

    if not args.timeout > 0:
        raise ConfigError(f"Argument `--timeout` must be > 0. Received: --timeout={args.timeout}")
    if args.seeds < 1:
        raise ConfigError(f"Argument `--seeds` must be >= 1. Received: --seeds={args.seeds}")
    if args.target_acc is not None and not 0 < args.target_acc <= 1:
        raise ConfigError(
            f"Argument `--target-acc` must be in (0, 1]. Received: --target-acc={args.target_acc}"
        )
    impls, reference = resolve_twins(args, resolve)
    pairs = all_pairs() if args.all_pairs else [parse_pair(p) for p in args.pairs]
    slugs = tuple(dict.fromkeys(pair_slug(p) for p in pairs))
    try:
        batch_size = parse_batch_size(args.batch_size)
    except ConfigError as exc:
        raise _flag_error(exc) from None
    try:
        base = ExperimentConfig(
            model=args.models[0],
            pair=slugs[0],
            optimizer=args.optimizer,
            learning_rate=args.lr,
            batch_size=batch_size,
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
    except ConfigError as exc:
        raise _flag_error(exc) from None
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
        threads=parse_threads(args.threads, cores=_local_cores(args)),
        on_twin_error=args.on_twin_error,
        twin_targets={n: registry.TWINS[n].target for n in impls
                      if registry.TWINS[n].origin == "--twin"},
    )


def resolve_twins(args, resolve):
    """``--impls`` and the ``--twin`` classes, checked (:func:`registry.resolve`): a broken
    twin stops the run or, with ``--on-twin-error skip``, is left out with one line."""
    from benchmarks.errors import one_line
    from benchmarks.twins.registry import register

    added = [register(spec) for spec in args.twin or ()]
    return resolve([*args.impls, *added], args.reference, on_error=args.on_twin_error,
                   warn=lambda msg: print(one_line(f"kvsbench: {msg}"), file=sys.stderr))


def cmd_run(args) -> int:
    from benchmarks.harness.sweep import TwinFailed, run_sweep

    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise ConfigError(
            f"--data-dir {args.data_dir} is not a directory; "
            "point it at the four Fashion-MNIST files."
        )
    sweep = like_sweep(args) if args.like is not None else build_sweep(args)
    try:
        if args.scheduler is not None:  # Dask is imported only here (an optional install)
            from benchmarks.engines.dask_sweep import run_dask_sweep

            counts = run_dask_sweep(sweep, args.out, args.scheduler, quiet=args.quiet,
                                    verbose=args.verbose)
        else:
            counts = run_sweep(sweep, args.out, quiet=args.quiet, verbose=args.verbose)
    except TwinFailed as exc:
        print(f"kvsbench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        what, status = interruption(exc)
        print(f"kvsbench: {what}; the runs finished so far are in {args.out}; "
              "re-run the same command to complete the rest.", file=sys.stderr)
        return status
    from benchmarks.errors import one_line
    from benchmarks.report.terminal import build_with_progress, print_verdict

    built = build_with_progress(args.out, sweep.data_dir, quiet=args.quiet)
    print(one_line(f"kvsbench: {counts['ran']} experiment(s) run, {counts['skipped']} skipped, "
                   f"{counts['diverged']} with a diverged or failed twin; results in {args.out}"))
    print_verdict(built)
    return 0


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every flag's help ends with its default, unless the help already names it or there
    is none to name (a switch, or a default of None)."""

    def _get_help_string(self, action):
        text = action.help or ""
        named = "(default" in text or "default:" in text
        if named or action.default in (None, False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """kvsbench's parsers (subcommands included) all show defaults in ``--help``, take no
    abbreviations (``--epoch`` is not ``--epochs``: a typo must not pick a flag) and answer
    bad arguments with one line, not the usage."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message):
        from benchmarks.errors import one_line

        print(f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)",
              file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kvsbench",
        description="Keras-vs-scratch benchmark harness: train NumPy and Keras twins of the "
        "same small models under identical conditions and compare them.",
    )
    parser.add_argument("--version", action="version", version=f"kvsbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    _add_run(sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv=None) -> int:
    """The command line; SIGTERM and SIGHUP are handled as Ctrl-C while it runs."""
    with stop_signals_as_interrupt():
        return _main(argv)


def _main(argv=None) -> int:
    try:  # Ctrl-C while the commands' modules load is caught too
        parser = build_parser()
        argv = sys.argv[1:] if argv is None else list(map(str, argv))
        _refuse_empty_paths(argv)
        args = parser.parse_args(argv)
        args.argv = argv
        if not getattr(args, "verbose", False):
            # TensorFlow's C++ log (oneDNN/CUDA start-up lines): errors that matter only. Set
            # before any command may import it; the twins' workers inherit it.
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        return int(args.func(args) or 0)
    except KvsbenchError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # `kvsbench compare A B | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file kvsbench had to read or write, outside the checks above
        where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        return _fail(f"{where or 'a file'}: {exc.strerror or exc}")
    except KeyboardInterrupt as exc:
        what, status = interruption(exc)
        print(f"kvsbench: {what}; every file written is whole (the old one, or the new "
              "one): re-run the command to finish.", file=sys.stderr)
        return status


#: the options that name a file or directory: an empty value (an unset shell variable) would
#: mean the current directory, and kvsbench would write or clean up there
PATH_OPTIONS = ("--out", "--data-dir", "--like", "--baseline", "--cache")


def _refuse_empty_paths(argv) -> None:
    for k, arg in enumerate(argv):
        flag, eq, value = arg.partition("=")
        if flag in PATH_OPTIONS and ((eq and not value.strip())
                                     or (not eq and k + 1 < len(argv)
                                         and not argv[k + 1].strip())):
            raise ConfigError(f"{flag} is empty (an unset shell variable?); give a directory "
                              "path (`.` for the current directory).")


def _fail(message: str) -> int:
    """One line on stderr (control characters from a file name or a result file blanked, so
    nothing read from a file can drive the terminal) and exit status 2."""
    from benchmarks.errors import one_line

    print(f"kvsbench: error: {one_line(message)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
