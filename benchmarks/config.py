"""One experiment config that builds BOTH twins.

Everything an experiment is — model, pair, optimizer, schedule, batch size, epochs, seed,
split protocol — lives in :class:`ExperimentConfig`. The runner asks it for the model spec,
the optimizer spec and the schedule spec, and hands the very same specs to ``scratch`` and to
``keras_models``; nothing about an experiment is written twice.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, fields

from benchmarks.data.pairs import PROTOCOLS
from benchmarks.errors import ConfigError
from scratch.activations import ACTIVATIONS as _ACTIVATION_FUNCTIONS
from scratch.models import MODELS
from scratch.optimizers import TWIN_OPTIMIZERS
from scratch.schedules import SCHEDULES

# the names below are the CLI's choices; models, optimizers, schedules, activations and
# protocols are defined once where they are implemented (scratch/, benchmarks/data/pairs.py)
OPTIMIZERS = tuple(TWIN_OPTIMIZERS)
INITS = ("glorot_uniform", "zeros", "he_normal", "glorot_normal")
ACTIVATIONS = tuple(_ACTIVATION_FUNCTIONS)

#: the course's experiment: the easy pair and the hard pair (``kvsbench run``'s default)
DEFAULT_PAIRS = ("trouser:ankle-boot", "pullover:coat")
#: the course's split seed; run seed s shuffles its split with SPLIT_SEED_BASE + s
SPLIT_SEED_BASE = 42

#: the bounds of the settings whose size is memory or time: far above any experiment of the
#: course or the docs, far below what exhausts a machine (`--epochs 3000000` held every
#: epoch's batch order, 28 GB; `--hidden-units 100000000` asked for 292 GiB of weights).
#: Checked once, here (:meth:`ExperimentConfig.validate`; seeds: :func:`check_seeds`).
LIMITS = {
    "epochs": 100_000,
    "hidden_units": 100_000,  # one layer's width: 784 × 100k float32 weights are 314 MB
    "hidden_layers": 16,
    "batch_size": 10**9,
    "decay_interval": 10**9,
    "seed": 2**31 - 1 - SPLIT_SEED_BASE,  # the split seed must fit a 32-bit seed
    "seeds": 10_000,
}


@dataclass(frozen=True)
class ExperimentConfig:
    """A single experiment: one model on one pair under one training set-up and seed.

    ``batch_size=None`` means full-batch gradient descent. ``seed`` drives the initial
    weights, the batch order of every epoch and the split shuffle (split seed 42 + seed, so
    seed 0 is the course's split).
    """

    model: str = "logreg"
    pair: str = "trouser:ankle-boot"
    optimizer: str = "adam"
    learning_rate: float = 0.001
    batch_size: int | None = 32
    epochs: int = 20
    seed: int = 0
    #: one hidden layer's width, or a tuple of widths, one per hidden layer (the course's moons
    #: net is (5, 2)); CSVs write a tuple as "5 2"
    hidden_units: int | tuple[int, ...] = 100
    activation: str = "relu"
    init: str = "glorot_uniform"
    schedule: str = "constant"
    decay_rate: float = 1.0
    decay_interval: int = 1
    momentum: float = 0.9
    protocol: str = "seed"

    def __post_init__(self):
        self.validate()

    # ---------------------------------------------------------------- validation
    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid argument."""
        _choice("model", self.model, MODELS)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("init", self.init, INITS)
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("protocol", self.protocol, PROTOCOLS)
        _positive("learning_rate", self.learning_rate)
        _positive_int("epochs", self.epochs)
        widths = self.hidden_units if isinstance(self.hidden_units, tuple) else (self.hidden_units,)
        if not widths:
            raise ConfigError("Argument `hidden_units` must name at least one width. Received: ()")
        if len(widths) > LIMITS["hidden_layers"]:
            raise ConfigError(f"Argument `hidden_units` may name at most {LIMITS['hidden_layers']}"
                              f" layers. Received: {len(widths)} widths")
        for width in widths:
            _positive_int("hidden_units", width)
        _positive_int("decay_interval", self.decay_interval)
        if self.batch_size is not None:
            _positive_int("batch_size", self.batch_size)
        if not (_is_number(self.decay_rate) and math.isfinite(self.decay_rate)
                and self.decay_rate >= 0):
            raise ConfigError(
                "Argument `decay_rate` must be >= 0. "
                f"Received: decay_rate={short_repr(self.decay_rate)}"
            )
        if not (_is_number(self.momentum) and 0.0 <= self.momentum < 1.0):
            raise ConfigError(
                "Argument `momentum` must be in [0, 1). "
                f"Received: momentum={short_repr(self.momentum)}"
            )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ConfigError("Argument `seed` must be an int >= 0. "
                              f"Received: seed={short_repr(self.seed)}")
        _at_most("seed", self.seed)

    # ---------------------------------------------------------------- the specs both twins use
    @property
    def split_seed(self) -> int:
        return SPLIT_SEED_BASE + self.seed

    def model_spec(self) -> dict:
        """Keyword arguments of ``scratch.build_model`` and ``keras_models.build_model``."""
        return {
            "model": self.model,
            "n_features": 784,
            "hidden_units": self.hidden_units,
            "activation": self.activation,
        }

    def steps_per_epoch(self, n_train: int) -> int:
        """Number of optimizer steps in one epoch over ``n_train`` examples."""
        bs = self.effective_batch_size(n_train)
        return math.ceil(n_train / bs)

    def effective_batch_size(self, n_train: int) -> int:
        return n_train if self.batch_size is None else min(self.batch_size, n_train)

    def schedule_spec(self, n_train: int) -> dict:
        """Keyword arguments of ``epoch_schedule`` in ``scratch.schedules`` and
        ``keras_models.optimizers`` (a per-epoch schedule of the step counter)."""
        return {
            "name": self.schedule,
            "learning_rate": self.learning_rate,
            "steps_per_epoch": self.steps_per_epoch(n_train),
            "decay_rate": self.decay_rate,
            "interval_epochs": self.decay_interval,
        }

    def optimizer_spec(self) -> tuple[str, dict]:
        """(class name, kwargs without learning_rate) shared by both optimizer libraries."""
        class_name, preset = TWIN_OPTIMIZERS[self.optimizer]
        kwargs = {k: (self.momentum if k == "momentum" else v) for k, v in preset.items()}
        return class_name, kwargs

    # ---------------------------------------------------------------- identity
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ExperimentConfig:
        """Rebuild from :meth:`to_dict` output (or a CSV row holding at least these keys)."""
        names = {f.name for f in fields(cls)}
        kw = {k: d[k] for k in names if k in d}
        if "batch_size" in kw:
            kw["batch_size"] = _parse_batch_size(kw["batch_size"])
        for k in ("epochs", "seed", "decay_interval"):
            if k in kw:
                kw[k] = as_int(k, kw[k])
        if "hidden_units" in kw:
            kw["hidden_units"] = parse_hidden_units(kw["hidden_units"])
        for k in ("learning_rate", "decay_rate", "momentum"):
            if k in kw:
                kw[k] = as_float(k, kw[k])
        return cls(**kw)

    def experiment_dict(self) -> dict:
        """The config without the seed: what makes repeats of one experiment the same."""
        d = self.to_dict()
        d.pop("seed")
        if self.optimizer != "momentum":
            d.pop("momentum")
        if self.model == "logreg":
            d.pop("hidden_units")
            d.pop("activation")
        if self.schedule == "constant":
            d.pop("decay_rate")
            d.pop("decay_interval")
        return d

    @property
    def experiment_id(self) -> str:
        """Readable, unique id of the experiment (all seeds), e.g.
        ``logreg.trouser-ankle-boot.adam.lr0.001.bs32.e20.1a2b3c4d``."""
        digest = hashlib.sha1(
            json.dumps(self.experiment_dict(), sort_keys=True).encode()
        ).hexdigest()[:8]
        bs = self.batch_size_label
        pair = self.pair.replace(":", "-vs-")
        return (
            f"{self.model}.{pair}.{self.optimizer}.lr{self.learning_rate:g}.bs{bs}."
            f"e{self.epochs}.{digest}"
        )

    def run_id(self, impl: str) -> str:
        """Id of one run: the experiment, the seed and the twin."""
        return f"{self.experiment_id}.s{self.seed}.{impl}"

    @property
    def batch_size_label(self) -> str:
        return batch_size_label(self.batch_size)


def batch_size_label(batch_size: int | None) -> str:
    """How ids, CSVs and group names spell a batch size: "full" for full batch, else the int."""
    return "full" if batch_size is None else str(batch_size)


def parse_hidden_units(value) -> int | tuple[int, ...]:
    """A config's ``hidden_units`` from a CSV cell, JSON or Python: 100, "100", "5 2", [5, 2]."""
    bad = ConfigError("Argument `hidden_units` must be a positive int or widths like '5 2'. "
                      f"Received: hidden_units={short_repr(value)}")
    if isinstance(value, (list, tuple)):
        if not all(isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in value):
            raise bad
        widths = tuple(as_int("hidden_units", v) for v in value)
    elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
        text = str(value).strip().strip("()[]").replace(",", " ")
        try:
            widths = tuple(as_int("hidden_units", v) for v in text.split())
        except ConfigError:
            raise bad from None
    else:
        raise bad
    if not widths:
        raise bad
    return widths[0] if len(widths) == 1 else widths


def as_int(name: str, value) -> int:
    """A whole number read from a CSV cell, JSON or the CLI (``20``, ``20.0``, ``"20"``), or a
    one-line :class:`ConfigError` naming the argument."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        number = float(value) if isinstance(value, (float, str)) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise ConfigError(f"Argument `{name}` must be a whole number. "
                          f"Received: {name}={short_repr(value)}")
    return int(number)


def as_float(name: str, value) -> float:
    """A number read from a CSV cell, JSON or the CLI, or a one-line :class:`ConfigError`."""
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        return float(value)
    except (ValueError, OverflowError):
        raise ConfigError(f"Argument `{name}` must be a number. "
                          f"Received: {name}={short_repr(value)}") from None


def check_seeds(seeds) -> int:
    """The number of seeds of a sweep: a positive int within :data:`LIMITS`."""
    seeds = as_int("seeds", seeds)
    _positive_int("seeds", seeds)
    return seeds


def short_repr(value) -> str:
    """``value`` for an error line: its repr up to 60 characters; a whole number past 15
    digits in scientific notation, so its size shows (and no 4,300-digit int is printed)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        try:
            return f"{float(value):.3g}"
        except OverflowError:
            return "a whole number over 1e308"
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def hidden_units_label(hidden_units) -> str:
    """How CSVs spell ``hidden_units``: "100", or "5 2" for two hidden layers."""
    if isinstance(hidden_units, tuple):
        return " ".join(str(h) for h in hidden_units)
    return str(hidden_units)


def _parse_batch_size(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        if value.strip().lower() in ("full", "", "none"):
            return None
        try:
            value = int(value)
        except ValueError:
            raise ConfigError(
                "Argument `batch_size` must be a positive int or 'full'. "
                f"Received: batch_size={short_repr(value)}"
            ) from None
    return as_int("batch_size", value)


def parse_batch_size(value) -> int | None:
    """Parse a CLI/CSV batch size: a positive int, or "full" (→ None, full batch)."""
    bs = _parse_batch_size(value)
    if bs is not None:
        _positive_int("batch_size", bs)
    return bs


def machine_cores() -> int:
    """The cores this process may run on (its CPU affinity; ``os.cpu_count()`` without one)."""
    import os

    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def parse_threads(value, cores: int | None = None) -> int:
    """``--threads``: a count in 1..``cores`` (default: :func:`machine_cores`), or "all" / 0
    (→ 0: every core). More threads than cores is refused: each twin trains alone with N
    threads, so N > cores only adds contention, and env.json would record threads the
    machine never ran. ``cores=None`` and a remote scheduler: pass ``cores=0`` (no bound)."""
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
    cores = machine_cores() if cores is None else cores
    if cores and n > cores:
        raise ConfigError(
            f"Argument `--threads` must be at most {cores}, the cores of this machine (or "
            f"'all'). Received: --threads={value}"
        )
    return n


def _choice(name: str, value, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            f"Argument `{name}` must be one of {choices}. Received: {name}={short_repr(value)}")


def _positive(name: str, value) -> None:
    if not _is_number(value) or not value > 0 or not math.isfinite(value):
        raise ConfigError(f"Argument `{name}` must be > 0. Received: {name}={short_repr(value)}")


def _positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(
            f"Argument `{name}` must be a positive int. Received: {name}={short_repr(value)}")
    _at_most(name, value)


def _at_most(name: str, value: int) -> None:
    if name in LIMITS and value > LIMITS[name]:
        raise ConfigError(f"Argument `{name}` must be at most {LIMITS[name]:,}. "
                          f"Received: {name}={short_repr(value)}")
