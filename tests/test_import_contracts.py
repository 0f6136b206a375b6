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

pytest.importorskip("importlinter", reason="import-linter comes with the test extra, .[test]")

ROOT = Path(__file__).resolve().parent.parent


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
