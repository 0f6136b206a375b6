"""The one list of twins: every implementation kvsbench can train, built in or installed, and
the reference the others are measured against.

Twins are found one way, as pytest finds its plug-ins: the entry-point group
:data:`GROUP` (``kvsbench.twins``, ``NAME = "module:Class"``). kvsbench declares its own twins
there (pyproject.toml); an installed package declares its twins the same way; ``kvsbench run
--twin MODULE:CLASS`` or ``--twin path/to/file.py:CLASS`` adds one for a run
(:func:`register`). What a twin needs — its label, libraries, pip extra or package, the
environment of its worker, its line style, its known differences from Keras' rules — are
attributes of its class (:data:`METADATA`), read when its module is imported. That import must
stay light (NumPy at most): a twin imports its framework inside its methods, in its own worker
process, so two libraries' thread pools never share a process.

Everything that lists implementations — ``--impls`` choices, summary columns, report sections,
plot styles, compare's figures, the benchmark suites — reads :data:`TWINS`; nothing else names
them. A twin that cannot be imported or lacks a method of the interface is kept in the list
with its one-line reason (``entry.broken``), so ``kvsbench twins`` can show it and a run can
skip it or stop (docs/plugins.md).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import re
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.errors import ConfigError, exception_line

#: the entry-point group of twins (``[project.entry-points."kvsbench.twins"]``)
GROUP = "kvsbench.twins"
#: where reports list a twin whose class states no ``order`` (after the built-in ones)
DEFAULT_ORDER = 1000
#: the class attributes a twin may state about itself, and their values when it does not
METADATA = {
    "label": None,        # how reports name it (default: its name)
    "requires": (),       # modules that must be importable for it to run
    "extra": None,        # kvsbench's pip extra that installs them (pip install "kvsbench[x]")
    "package": None,      # or: the pip package that provides the twin (a plug-in's own)
    "env": {},            # environment of its worker, set before anything is imported
    "style": {},          # matplotlib line style of its curves
    "description": "",
    "rule_notes": {},     # known differences from Keras' rules, by optimizer ("*": all)
    "rule_twin": None,    # "module:Class" of a scratch twin of its own rules (step parity)
    "order": DEFAULT_ORDER,  # where reports list it (smaller: earlier)
}
#: the attributes that tell one twin from another: read from the class itself, never inherited
#: (a subclass of the scratch twin is not drawn, named or listed as the scratch twin)
OWN_METADATA = ("label", "style", "description", "order")


@dataclass(frozen=True)
class TwinEntry:
    """One known twin: its name, where its class is, and what the class says about itself."""

    name: str
    label: str
    #: ``"module:Class"`` or ``"path/to/file.py:Class"`` of the twin class
    target: str
    requires: tuple[str, ...] = ()
    extra: str | None = None
    package: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    style: Mapping = field(default_factory=dict)
    description: str = ""
    rule_notes: Mapping[str, str] = field(default_factory=dict)
    #: ``"module:Class"`` of a scratch twin with this twin's own update rules: where a rule
    #: note flags the optimizer, the twin is also held to step parity against it
    #: (:mod:`benchmarks.harness.step_parity`), so a report shows "a different rule, applied
    #: right"
    rule_twin: str | None = None
    order: int = DEFAULT_ORDER
    #: where it was declared: "kvsbench" (built in), the installing package, or "--twin"
    origin: str = "kvsbench"
    #: why it cannot be used at all (failed to import, lacks a method): one line, else None
    broken: str | None = None

    def load(self):
        """The twin class (imports the twin's module; its libraries load in its methods)."""
        return load_target(self.target)

    def provider(self) -> str:
        """What to install to get this twin: ``kvsbench``, ``kvsbench[extra]`` or a package."""
        if self.package:
            return self.package
        if self.extra:
            return f"kvsbench[{self.extra}]"
        return self.origin

    def missing(self) -> str | None:
        """Why this twin cannot run here (one line), or None when it can."""
        if self.broken:
            return self.broken
        absent = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if not absent:
            return None
        if self.package:
            how = f"pip install {self.package}"
        elif self.extra:
            how = f'pip install ".[{self.extra}]"'
        else:
            how = "reinstall kvsbench"
        return (f"twin `{self.name}` needs {', '.join(absent)}, which is not installed: "
                f"{how}")


# ------------------------------------------------------------------------ loading a class
def load_target(target: str):
    """The class named by ``"module:Class"`` or ``"path/to/file.py:Class"`` (ConfigError for a
    target of another form; the import's own exception otherwise)."""
    where, sep, attr = str(target).rpartition(":")
    if not sep or not where or not attr.isidentifier():
        raise ConfigError(
            f"A twin must be given as MODULE:CLASS or path/to/file.py:CLASS. Received: {target!r}"
        )
    if where.endswith(".py"):
        module = _import_file(Path(where))
    else:
        module = _import_module(where)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise AttributeError(f"module {where!r} has no class {attr!r}") from None


def _import_module(name: str):
    """``importlib.import_module``, from the working directory too (as ``python -m`` finds
    modules there, while an installed command's path starts at its own directory)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        cwd = str(Path.cwd())
        if exc.name != name.split(".")[0] or cwd in sys.path or "" in sys.path:
            raise
        sys.path.append(cwd)
        return importlib.import_module(name)


def _import_file(path: Path):
    """Import a twin's ``.py`` file as a module of its own (once per process); the modules
    beside it import too (its directory joins the end of ``sys.path``)."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    name = "kvsbench_twin_" + re.sub(r"\W", "_", path.stem) + f"_{abs(hash(str(path))):x}"
    if name in sys.modules:
        return sys.modules[name]
    if str(path.parent) not in sys.path:  # its sibling modules import as when it is run
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


#: the interface's methods step parity needs and a run does without (a twin without them
#: trains, with no step parity; ``kvsbench check`` fails it)
STATE_METHODS = ("get_state", "set_state", "train_step")


def required_methods() -> tuple[str, ...]:
    """The methods every twin class must have to train: those of the interface
    (:class:`benchmarks.twins.interface.Twin`), read from it, but :data:`STATE_METHODS`."""
    from benchmarks.twins.interface import Twin

    return tuple(n for n, v in vars(Twin).items() if not n.startswith("_")
                 and n not in STATE_METHODS and (callable(v) or isinstance(v, classmethod)))


def make_entry(name: str, target: str, origin: str = "kvsbench") -> TwinEntry:
    """Import ``target`` and read its metadata into an entry; a class that cannot be imported
    or lacks a method of the interface gives an entry whose ``broken`` says so in one line."""
    try:
        cls = load_target(target)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001  (a plug-in's import may raise anything)
        return TwinEntry(name=name, label=name, target=target, origin=origin,
                         broken=f"twin `{name}` ({target}) failed to import: {exception_line(exc)}")
    if not inspect.isclass(cls):
        return TwinEntry(name=name, label=name, target=target, origin=origin,
                         broken=f"twin `{name}` ({target}) is not a class")
    lacking = [m for m in required_methods() if not callable(getattr(cls, m, None))]
    meta = {k: (vars(cls) if k in OWN_METADATA else _Inherited(cls)).get(k, default)
            for k, default in METADATA.items()}
    meta["label"] = str(meta["label"] or name)
    meta["requires"] = tuple(meta["requires"])
    broken = None
    if lacking:
        broken = (f"twin `{name}` ({target}) lacks method(s) {', '.join(lacking)} of the twin "
                  "interface (docs/plugins.md)")
    return TwinEntry(name=name, target=target, origin=origin, broken=broken, **meta)


class _Inherited:
    """``getattr`` of a class as a mapping's ``get``."""

    def __init__(self, cls):
        self.cls = cls

    def get(self, key, default):
        return getattr(self.cls, key, default)


# ------------------------------------------------------------------------ finding twins
def declared() -> list[tuple[str, str, str]]:
    """``(name, "module:Class", origin)`` of every twin declared under :data:`GROUP`.

    Every installed distribution is read (a stale ``kvsbench.egg-info`` in a checkout may
    shadow the installed metadata of kvsbench itself). A checkout whose install predates the
    twins' entry points reads them from its pyproject.toml.
    """
    found: dict[str, tuple[str, str, str]] = {}
    for dist in importlib.metadata.distributions():
        origin = dist.metadata["Name"] or "?"
        for ep in dist.entry_points:
            if ep.group == GROUP and ep.name not in found:
                found[ep.name] = (ep.name, ep.value.replace(" ", ""), origin)
    if not any(origin == "kvsbench" for _, _, origin in found.values()):
        for name, target in _checkout_declarations().items():
            found.setdefault(name, (name, target, "kvsbench"))
    return list(found.values())


def _checkout_declarations() -> dict[str, str]:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        import tomllib

        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return dict(data["project"]["entry-points"][GROUP])
    except (ImportError, OSError, ValueError, KeyError, TypeError):
        return {}


class _Registry(MutableMapping):
    """name → :class:`TwinEntry`, found on first use, in report order (``order``, then name)."""

    def __init__(self):
        self._entries: dict[str, TwinEntry] | None = None

    def _all(self) -> dict[str, TwinEntry]:
        if self._entries is None:
            entries = [make_entry(*d) for d in declared()]
            entries.sort(key=lambda e: (e.order, e.name))
            self._entries = {e.name: e for e in entries}
        return self._entries

    def __getitem__(self, name):
        return self._all()[name]

    def __setitem__(self, name, entry):
        self._all()[name] = entry

    def __delitem__(self, name):
        del self._all()[name]

    def __iter__(self):
        return iter(sorted(self._all(), key=lambda n: (self._all()[n].order, n)))

    def __len__(self):
        return len(self._all())


TWINS: MutableMapping[str, TwinEntry] = _Registry()

#: the twin every other one is compared with (parity, time ratio), unless --reference says else
DEFAULT_REFERENCE = "keras"
#: the twins ``kvsbench run``, the benchmark suites and the course train unless told otherwise
DEFAULT_TWINS = ("scratch", "keras")


def register(spec: str) -> str:
    """Add the twin ``MODULE:CLASS`` / ``path/to/file.py:CLASS`` (``kvsbench run --twin``) and
    return its name: the class's ``name`` attribute, else the class name in kebab case. A name
    already known is refused unless it is this same target. ConfigError for a malformed spec;
    an entry whose ``broken`` says why when the class cannot be used."""
    where, _, attr = str(spec).rpartition(":")
    target = spec
    if where.endswith(".py"):  # workers run elsewhere: the file by its absolute path
        target = f"{Path(where).expanduser().resolve()}:{attr}"
    entry = make_entry(_guess_name(attr), target, origin="--twin")
    if entry.broken is None:
        name = getattr(entry.load(), "name", None)
        if isinstance(name, str) and name:
            entry = make_entry(name, target, origin="--twin")
    old = TWINS.get(entry.name)
    if old is not None and old.target != entry.target:
        raise ConfigError(
            f"Argument `--twin` {spec} is named {entry.name!r}, which is already the twin "
            f"{old.target}; give the class another `name` attribute."
        )
    TWINS[entry.name] = entry
    return entry.name


def _guess_name(class_name: str) -> str:
    """``CourseNetTwin`` → ``course-net``."""
    stem = class_name.removesuffix("Twin") or class_name
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", stem).lower()


def names() -> tuple[str, ...]:
    """Every known twin, in report order."""
    return tuple(TWINS)


def get(name: str) -> TwinEntry:
    try:
        return TWINS[name]
    except KeyError:
        raise ConfigError(
            f"Argument `--impls` must name registered twins {list(TWINS)}. Received: {name!r} "
            "(kvsbench twins lists every twin, installed or not; --twin MODULE:CLASS adds one)"
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


def resolve(impls, reference: str | None = None, on_error: str = "stop",
            warn=None) -> tuple[tuple[str, ...], str | None]:
    """Check a requested twin list (``"all"``: every installed twin) and its reference.

    Returns ``(impls in registry order, reference)``; the reference is
    :data:`DEFAULT_REFERENCE` when it runs, else the first twin, and None for a single twin.
    Raises ConfigError naming a twin that is unknown or not installed. A broken twin (one
    that fails to import or lacks a method) stops with its line, or with ``on_error="skip"``
    is left out and its line passed to ``warn``.
    """
    impls = list(dict.fromkeys(impls))
    if "all" in impls:
        impls = [n for n, e in TWINS.items() if e.broken or e.missing() is None]
    kept = []
    for name in impls:
        entry = get(name)
        if entry.broken and on_error == "skip":
            if warn is not None:
                warn(f"{entry.broken}; going on without it")
            continue
        why = entry.missing()
        if why:
            raise ConfigError(why)
        kept.append(name)
    impls = tuple(n for n in TWINS if n in kept)
    if not impls:
        raise ConfigError("No twin is left to run: every one asked for is broken "
                          "(see the lines above).")
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
