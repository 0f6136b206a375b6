"""The layers' import rules hold: `lint-imports` (import-linter) keeps every contract of
pyproject.toml's [tool.importlinter] — scratch and keras_models never import benchmarks, scratch
never imports TensorFlow, Keras or keras_models; benchmarks' sub-packages import only the
layers below them. It reads the packages of the checkout it runs
in (it puts the working directory first on sys.path), so it is run from the repository root."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytest.importorskip("importlinter", reason="import-linter comes with the test extra, .[test]")



def lint_imports() -> str:
    beside_python = Path(sys.executable).with_name("lint-imports")
    return str(beside_python) if beside_python.exists() else shutil.which("lint-imports")


def test_lint_imports_keeps_every_contract():
    result = subprocess.run(
        [lint_imports(), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"]
    assert len(contracts) >= 4  # the three of scratch/keras_models, benchmarks' layers
    assert result.stdout.count(" KEPT") == len(contracts)


def _strongly_connected(graph: dict) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph`` (module → modules it imports)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_files():
    """No two modules import each other, directly or round a loop — imports inside functions
    included (a package's ``__init__`` importing its own modules is the package, not a loop)."""
    import grimp

    graph = grimp.build_graph("benchmarks", "scratch", "keras_models", cache_dir=None)
    imports = {m: {i for i in graph.find_modules_directly_imported_by(m)
                   if not m.startswith(i + ".")}  # a module importing its own package
               for m in graph.modules}
    cycles = [c for c in _strongly_connected(imports) if len(c) > 1]
    assert cycles == [], cycles


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for pkg in ("benchmarks", "scratch", "keras_models")
            for p in (ROOT / pkg).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
