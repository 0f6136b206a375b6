"""The one list of twins: every implementation kvsbench can train, and the reference the others
are measured against.

Everything that lists implementations — ``--impls`` choices, summary columns, report sections,
plot styles, compare's figures, the benchmark suites — reads :data:`TWINS`; nothing else names
them. An entry says where the twin's class lives (imported only inside that twin's worker
process, so two libraries' thread pools never share a process), which modules it needs and
which pip extra installs them. Adding a twin is one class and one entry here (docs/twins.md).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field

from benchmarks.errors import ConfigError


@dataclass(frozen=True)
class TwinEntry:
    """One registered twin."""

    name: str
    #: how reports name it
    label: str
    #: ``"module:Class"`` of the twin class (see :class:`benchmarks.harness.twins.Twin`)
    target: str
    #: modules that must be importable for the twin to run
    requires: tuple[str, ...] = ()
    #: the pip extra that installs them (``pip install ".[extra]"``); None: the base install
    extra: str | None = None
    #: environment set in the worker before anything is imported (e.g. ``KERAS_BACKEND``)
    env: Mapping[str, str] = field(default_factory=dict)
    #: matplotlib line style of its curves
    style: Mapping = field(default_factory=dict)
    description: str = ""
    #: known differences from Keras' rules, by optimizer name ("*": every optimizer); the
    #: report quotes them beside a parity figure over the tolerance
    rule_notes: Mapping[str, str] = field(default_factory=dict)

    def load(self):
        """The twin class (imports the twin's libraries: call it in the twin's worker only)."""
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def missing(self) -> str | None:
        """Why this twin cannot run here (one line), or None when it can."""
        absent = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if not absent:
            return None
        how = f'pip install ".[{self.extra}]"' if self.extra else "reinstall kvsbench"
        return (f"twin `{self.name}` needs {', '.join(absent)}, which is not installed: "
                f"{how}")


_CLIPPED_BCE = ("on this backend Keras computes binary cross-entropy from probabilities "
                "clipped to [1e-7, 1 − 1e-7], on TensorFlow (and scratch) from the logits: they "
                "differ once predictions saturate")

TWINS: dict[str, TwinEntry] = {
    entry.name: entry
    for entry in (
        TwinEntry(
            name="scratch",
            label="scratch",
            target="benchmarks.harness.twins:ScratchTwin",
            requires=("numpy",),
            style={"ls": "-", "lw": 3.0, "alpha": 0.45, "marker": "o", "color": "#4c6a8a"},
            description="the from-scratch NumPy twin (scratch/), the readable reference code",
        ),
        TwinEntry(
            name="scratch-numba",
            label="scratch (numba)",
            target="benchmarks.harness.twins:ScratchNumbaTwin",
            requires=("numpy", "numba"),
            extra="fast",
            style={"ls": "-", "lw": 1.2, "alpha": 1.0, "marker": ".", "color": "#16a085"},
            description="the scratch twin's epoch compiled with numba (scratch/compiled.py)",
        ),
        TwinEntry(
            name="keras",
            label="Keras",
            target="benchmarks.harness.twins:KerasTwin",
            requires=("tensorflow", "keras"),
            env={"KERAS_BACKEND": "tensorflow"},
            style={"ls": "--", "lw": 1.4, "alpha": 1.0, "marker": "x", "color": "#1b1f24"},
            description="tf.keras (keras_models/) trained through Keras' own fit",
        ),
        TwinEntry(
            name="keras-xla",
            label="Keras (XLA)",
            target="benchmarks.harness.twins:KerasXlaTwin",
            requires=("tensorflow", "keras"),
            env={"KERAS_BACKEND": "tensorflow"},
            style={"ls": "--", "lw": 1.4, "alpha": 0.9, "marker": "D", "color": "#d35400"},
            description="tf.keras tuned for speed: jit_compile=True, steps_per_execution",
        ),
        TwinEntry(
            name="torch",
            label="PyTorch",
            target="benchmarks.harness.torch_twin:TorchTwin",
            requires=("torch",),
            extra="torch",
            style={"ls": "-.", "lw": 1.6, "alpha": 0.9, "marker": "s", "color": "#c0392b"},
            description="native PyTorch: nn.Sequential, BCEWithLogitsLoss, torch.optim",
            rule_notes={
                "rmsprop": "PyTorch's RMSprop adds ε outside the square root, Keras' inside "
                           "(ε = sqrt(1e-7) here): the steps differ where the second moment "
                           "is about 1e-7",
                "adam": "PyTorch's Adam adds ε to the bias-corrected root, Keras' to the "
                        "uncorrected one (ε = 1e-7 in both)",
                "momentum": "PyTorch's momentum equals Keras' while the learning rate is "
                            "constant; under a schedule the past velocity is rescaled",
            },
        ),
        TwinEntry(
            name="keras-jax",
            label="Keras (JAX)",
            target="benchmarks.harness.twins:KerasTwin",
            requires=("keras", "jax"),
            extra="jax",
            env={"KERAS_BACKEND": "jax"},
            style={"ls": ":", "lw": 2.0, "alpha": 0.9, "marker": "^", "color": "#27ae60"},
            description="the same keras_models code on Keras' JAX backend",
            rule_notes={"*": _CLIPPED_BCE},
        ),
        TwinEntry(
            name="keras-torch",
            label="Keras (PyTorch)",
            target="benchmarks.harness.twins:KerasTwin",
            requires=("keras", "torch"),
            extra="torch",
            env={"KERAS_BACKEND": "torch"},
            style={"ls": (0, (5, 1, 1, 1)), "lw": 1.6, "alpha": 0.9, "marker": "v",
                   "color": "#8e44ad"},
            description="the same keras_models code on Keras' PyTorch backend",
            rule_notes={"*": _CLIPPED_BCE},
        ),
    )
}

#: the twin every other one is compared with (parity, time ratio), unless --reference says else
DEFAULT_REFERENCE = "keras"
#: the twins ``kvsbench run``, the benchmark suites and the course train unless told otherwise
DEFAULT_TWINS = ("scratch", "keras")


def names() -> tuple[str, ...]:
    """Every registered twin, in registry order (the order reports list them)."""
    return tuple(TWINS)


def get(name: str) -> TwinEntry:
    try:
        return TWINS[name]
    except KeyError:
        raise ConfigError(
            f"Argument `--impls` must name registered twins {list(TWINS)}. Received: {name!r}"
        ) from None


def label(name: str) -> str:
    """How reports name a twin (an unregistered name found in a result file stays as is)."""
    entry = TWINS.get(name)
    return entry.label if entry is not None else str(name)


def ordered(impls) -> list[str]:
    """``impls`` in registry order, unregistered names (from result files) last."""
    present = list(dict.fromkeys(str(i) for i in impls))
    known = [n for n in TWINS if n in present]
    return known + sorted(n for n in present if n not in TWINS)


def resolve(impls, reference: str | None = None) -> tuple[tuple[str, ...], str | None]:
    """Check a requested twin list (``"all"``: every installed twin) and its reference.

    Returns ``(impls in registry order, reference)``; the reference is
    :data:`DEFAULT_REFERENCE` when it runs, else the first twin, and None for a single twin.
    Raises ConfigError naming a twin that is unknown or not installed.
    """
    impls = list(impls)
    if "all" in impls:
        impls = [n for n, e in TWINS.items() if e.missing() is None]
    for name in impls:
        why = get(name).missing()
        if why:
            raise ConfigError(why)
    impls = tuple(n for n in TWINS if n in impls)
    if reference is None:
        reference = DEFAULT_REFERENCE if DEFAULT_REFERENCE in impls else impls[0]
    elif reference not in impls:
        raise ConfigError(
            f"Argument `--reference` must be one of the twins run {list(impls)}. "
            f"Received: --reference={reference!r}"
        )
    return impls, (reference if len(impls) > 1 else None)


def twins_of(table) -> tuple[list[str], str | None]:
    """(twins in registry order, reference twin) of a runs.csv or summary.csv table (pandas);
    None when no row names one of the twins as the reference."""
    if "twins" in table.columns:  # summary.csv
        impls = ordered(" ".join(map(str, table["twins"].dropna())).split())
    else:
        impls = ordered(table["impl"].dropna().unique())
    column = table["reference"].dropna().unique() if "reference" in table.columns else []
    refs = [str(r) for r in column if str(r) in impls]
    return impls, (refs[0] if refs else None)


def rule_note(name: str, optimizer: str) -> str | None:
    """Why twin ``name`` may not match the reference under ``optimizer``, if a reason is known."""
    entry = TWINS.get(name)
    if entry is None:
        return None
    return entry.rule_notes.get(optimizer) or entry.rule_notes.get("*")
