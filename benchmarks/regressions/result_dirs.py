"""The two result directories ``kvsbench compare`` (and ``history``) read: ``runs.csv``
summarised (:func:`benchmarks.report.summary.summarize`), ``env.json`` for the header and
``--same-machine``, ``curves.csv`` for the noise-aware speed verdict, ``sweep.json`` to say why
nothing matched — read through :class:`benchmarks.results.directory.ResultDirectory`. A
directory that is not one, or a damaged file, is :class:`benchmarks.errors.ResultsError` (one
line, exit 2, the same line the report and ``--like`` give); every string read from it is
untrusted (:meth:`ResultDir.label` is one line).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.errors import ResultsError
from benchmarks.report.document import one_line
from benchmarks.results.directory import open_result_dir
from benchmarks.results.hosts import FINGERPRINT_KEYS, fingerprints, host_table
from benchmarks.results.schema import CURVES, RUNS


@dataclass
class ResultDir:
    """A result directory as compare needs it."""

    path: Path
    runs: object  # pandas.DataFrame (runs.csv)
    summary: object  # pandas.DataFrame (benchmarks.report.summary.summarize(runs))
    env: dict | None
    #: per-epoch times (curves.csv; None when absent: speed then falls back to the fixed gate)
    curves: object = None
    sweep: dict | None = None

    def label(self) -> str:
        """One line naming the directory and its machine (env.json values are untrusted)."""
        env = self.env or {}
        commit = str(env.get("git_commit") or "?")[:12]
        cpu = env.get("cpu_model") or "?"
        blas = f"{env.get('blas_library') or '?'} {env.get('blas_kernel') or ''}".strip()
        n_hosts = len(host_table(env))
        hosts = f"; measured on {n_hosts} hosts" if n_hosts > 1 else ""
        return one_line(f"{self.path} (commit {commit}; {cpu}, {env.get('logical_cores', '?')} "
                        f"cores; BLAS {blas} x{env.get('blas_threads', '?')}{hosts})")


def _needed_columns() -> tuple[str, ...]:
    from benchmarks.report.summary import EXPERIMENT_COLUMNS, TWIN_FIGURES

    return tuple(dict.fromkeys((
        *EXPERIMENT_COLUMNS, "run_id", "seed", "impl", "reference", "status", *TWIN_FIGURES,
        "time_ratio", "step_time_ratio", "max_loss_diff", "max_weight_rel_diff",
        "pred_agreement", "n_train", "n_test", "epoch_time_spread", "slow_epochs",
        "step_parity", "step_parity_tensor", "rule_step_parity", "bifurcation_epoch",
    )))


def load_result_dir(path) -> ResultDir:
    """Read and summarise one result directory (through
    :class:`~benchmarks.results.directory.ResultDirectory`, whose error policy every reader
    shares); :class:`ResultsError` if it is not one, or a file of it is damaged."""
    from benchmarks.report.summary import summarize

    directory = open_result_dir(path)
    runs = directory.recorded_runs(_needed_columns())
    env = directory.env
    try:
        summary = summarize(runs)
    except KeyError as exc:
        raise ResultsError(
            f"{directory.path / RUNS} lacks the column {exc}: it is not a kvsbench result file."
        ) from None
    curves = directory.table(CURVES, ("experiment_id", "impl", "seed", "epoch", "epoch_seconds"))
    return ResultDir(directory.path, runs, summary, env, curves, directory.sweep)


def check_same_machine(baseline: ResultDir, current: ResultDir) -> None:
    """Refuse ``--same-machine`` unless both fingerprints exist and agree (ResultsError); a
    directory measured on several hosts has one fingerprint per host, and they must be one."""
    for side in (baseline, current):
        if side.env is None:
            raise ResultsError(
                f"--same-machine refused: {side.path} has no env.json, so its machine is unknown; "
                "compare without --same-machine."
            )
        if len(fingerprints(side.env)) > 1:  # a sweep spread over unlike machines
            raise ResultsError(
                f"--same-machine refused: {side.path} was measured on "
                f"{len(fingerprints(side.env))} different machines (env.json `hosts`); "
                "absolute times are only comparable on one, compare without --same-machine."
            )
    fb, fc = fingerprints(baseline.env)[0], fingerprints(current.env)[0]
    diff = [f"{k} {fb[k]!r} vs {fc[k]!r}" for k in FINGERPRINT_KEYS if fb[k] != fc[k]]
    if diff:
        raise ResultsError(
            f"--same-machine refused: the env.json fingerprints differ ({'; '.join(diff)}); "
            "absolute times are not comparable, compare without --same-machine."
        )
