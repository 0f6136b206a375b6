"""Twins from outside kvsbench: the ``kvsbench.twins`` entry points (built-in twins included),
metadata on the classes, ``kvsbench run --twin`` and ``--on-twin-error``, ``kvsbench twins``,
and the example plug-in package (examples/kvsbench-coursenet) installed and run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.errors import ConfigError
from benchmarks.twins import registry
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "kvsbench-coursenet"
BUILT_IN = ("scratch", "scratch-numba", "keras", "keras-xla", "torch", "keras-jax",
            "keras-jax-tuned", "keras-torch")


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


# ----------------------------------------------------------------------------- the registry
def test_built_in_twins_are_entry_points_with_their_metadata_on_the_class():
    declared = {name: target for name, target, _ in registry.declared()}
    assert set(BUILT_IN) <= set(declared)
    assert declared["keras-jax"] == "benchmarks.twins.keras_default:KerasJaxTwin"
    assert registry.names()[:len(BUILT_IN)] == BUILT_IN  # report order: the classes' `order`
    jax = registry.TWINS["keras-jax"]
    assert (jax.label, jax.extra, dict(jax.env)) == ("Keras (JAX)", "jax", {"KERAS_BACKEND": "jax"})
    assert jax.provider() == "kvsbench[jax]" and registry.TWINS["keras"].provider() == "kvsbench"
    assert registry.TWINS["torch"].rule_twin == "benchmarks.twins.torch_rules:TorchRuleTwin"
    assert registry.rule_note("keras-torch", "adam").startswith("on this backend Keras")


def test_listing_every_twin_imports_no_framework():
    code = ("import sys; from benchmarks.twins import registry; "
            "assert len(registry.TWINS) >= 7; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'jax', 'numba') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_a_file_twin_is_registered_by_its_class_name(tmp_path, fresh_registry):
    path = _write(tmp_path / "mynet.py", """
        from benchmarks.twins.scratch_numpy import ScratchTwin
        class MyNetTwin(ScratchTwin):
            label = "my net"
    """)
    name = registry.register(f"{path}:MyNetTwin")
    assert name == "my-net"
    entry = registry.TWINS[name]
    assert (entry.label, entry.origin, entry.broken) == ("my net", "--twin", None)
    assert registry.names()[-1] == "my-net"  # no `order`: after the built-in twins
    assert registry.register(f"{path}:MyNetTwin") == "my-net"  # the same target again: fine


def test_a_twin_name_taken_by_another_class_is_refused(tmp_path, fresh_registry):
    path = _write(tmp_path / "other.py", """
        from benchmarks.twins.scratch_numpy import ScratchTwin
        class Impostor(ScratchTwin):
            name = "keras"
    """)
    with pytest.raises(ConfigError, match="named 'keras', which is already the twin"):
        registry.register(f"{path}:Impostor")


@pytest.mark.parametrize(("source", "expected"), [
    ("class Empty:\n    pass\n", "lacks method(s) configure_threads, runtime_info, train_epoch"),
    ("import no_such_library_kvs\n", "failed to import: ModuleNotFoundError: No module named "
                                     "'no_such_library_kvs'"),
    ("raise RuntimeError('boom')\n", "failed to import: RuntimeError: boom"),
])
def test_a_broken_plug_in_is_one_line_naming_it(tmp_path, fresh_registry, source, expected):
    path = tmp_path / "broken.py"
    path.write_text(source)
    name = registry.register(f"{path}:Empty")
    assert name == "empty"
    broken = registry.TWINS[name].broken
    assert broken.startswith(f"twin `empty` ({path}:Empty) ") and expected in broken
    assert "\n" not in broken
    with pytest.raises(ConfigError, match="twin `empty`"):
        registry.resolve(["scratch", name], on_error="stop")
    said = []
    assert registry.resolve(["scratch", name], on_error="skip", warn=said.append) == \
        (("scratch",), None)
    assert len(said) == 1 and said[0].endswith("; going on without it")


@pytest.mark.parametrize("spec", ["nonsense", "mod:", ":Cls", "a/b.py:not-a-name"])
def test_a_malformed_twin_spec_is_bad_input(capsys, spec):
    assert main(["twins", "--twin", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kvsbench: error: A twin must be given as MODULE:CLASS") and \
        "Traceback" not in err


def test_kvsbench_twins_lists_built_in_and_broken_twins(tmp_path, capsys, fresh_registry):
    path = _write(tmp_path / "half.py", "class HalfTwin:\n    def train_epoch(self): ...\n")
    assert main(["twins", "--format", "json", "--twin", f"{path}:HalfTwin"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["scratch"]["status"] == "installed" and rows["scratch"]["provider"] == "kvsbench"
    assert rows["scratch-numba"]["provider"] == "kvsbench[fast]"
    assert rows["half"]["status"] == "broken" and "lacks method(s)" in rows["half"]["why"]
    assert main(["twins"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["twin", "label", "status", "provided", "by", "class"]
    assert any(line.split()[:3] == ["keras-xla", "Keras", "(XLA)"] for line in table)


def test_an_uninstalled_plug_in_library_names_its_package(fresh_registry):
    entry = registry.TwinEntry(name="ghost", label="Ghost", target="ghost:Twin",
                               requires=("ghost_lib_kvs",), package="kvsbench-ghost")
    assert entry.missing() == ("twin `ghost` needs ghost_lib_kvs, which is not installed: "
                               "pip install kvsbench-ghost")
    assert entry.provider() == "kvsbench-ghost"


# ----------------------------------------------------------------------------- runs
RAISES = """
    from benchmarks.twins.scratch_numpy import ScratchTwin
    class RaisingTwin(ScratchTwin):
        label = "raises"
        def train_epoch(self, X, y, epoch):
            raise RuntimeError("my epoch is broken")
"""


def _run_args(fashion_dir, out, *extra):
    return ["run", "--pairs", "trouser:ankle-boot", "--models", "logreg", "--epochs", "1",
            "--data-dir", str(fashion_dir), "--out", str(out), "--quiet", *extra]


@pytest.mark.slow
@pytest.mark.data
def test_a_twin_from_a_file_joins_kvsbench_run(fashion_dir, tmp_path, fresh_registry, capsys):
    path = _write(tmp_path / "mine.py", """
        from benchmarks.twins.scratch_numpy import ScratchTwin
        class MineTwin(ScratchTwin):
            label = "mine"
    """)
    out = tmp_path / "out"
    assert main(_run_args(fashion_dir, out, "--impls", "scratch",
                          "--twin", f"{path}:MineTwin")) == 0
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs["impl"]) == ["mine", "scratch"] and (runs["status"] == "ok").all()
    mine = runs.set_index("impl").loc["mine"]
    assert mine["max_loss_diff"] == 0.0  # the same class under another name: bit for bit
    assert "| logreg | mine |" in (out / "report.md").read_text()
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["twin_targets"] == {"mine": f"{path}:MineTwin"}
    registry.TWINS.pop("mine")  # a later process: --like finds the class by its target
    again = tmp_path / "again"
    assert main(["run", "--like", str(out), "--out", str(again), "--quiet"]) == 0
    assert sorted(pd.read_csv(again / "runs.csv")["impl"]) == ["mine", "scratch"]


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("policy", ["stop", "skip"])
def test_a_twin_that_raises_stops_the_run_or_is_skipped(fashion_dir, tmp_path, fresh_registry,
                                                        capsys, policy):
    path = _write(tmp_path / "raises.py", RAISES)
    out = tmp_path / "out"
    rc = main(_run_args(fashion_dir, out, "--impls", "scratch", "--twin", f"{path}:RaisingTwin",
                        "--on-twin-error", policy))
    err = capsys.readouterr().err
    assert "RuntimeError: my epoch is broken" in err and "Traceback" not in err
    runs = pd.read_csv(out / "runs.csv").set_index("impl")
    assert runs.loc["raising", "status"] == "failed"
    assert runs.loc["scratch", "status"] == "ok"
    if policy == "stop":
        assert rc == 1 and "stopped, the runs so far are recorded" in err
    else:
        assert rc == 0 and "going on" in err


# ----------------------------------------------------------------------------- the example
@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """examples/kvsbench-coursenet installed with pip (no network, no build isolation) into a
    throw-away directory; the environment that puts it on a child's path."""
    work = tmp_path_factory.mktemp("coursenet")
    shutil.copytree(EXAMPLE, work / "src", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(site),
                    str(work / "src")], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    return site, env


def test_the_example_twin_wraps_the_course_network_in_under_40_lines():
    lines = (EXAMPLE / "coursenet" / "twin.py").read_text().splitlines()
    assert len(lines) < 40
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert "\n".join(lines) in docs  # docs/plugins.md shows the whole file


def _kvsbench(env, *args, cwd):
    return subprocess.run([sys.executable, "-m", "benchmarks.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True)


@pytest.mark.slow
def test_the_installed_example_is_listed_by_its_entry_point(example_site, tmp_path):
    site, env = example_site
    out = _kvsbench(env, "twins", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["coursenet"] == {
        "name": "coursenet", "label": "course net", "status": "installed", "why": None,
        "provider": "kvsbench-coursenet", "origin": "kvsbench-coursenet",
        "target": "coursenet.twin:CourseNetTwin",
        "description": "a course-style network: a dict of W1, b1, W2, b2 "
                       "(examples/kvsbench-coursenet)"}


@pytest.mark.slow
@pytest.mark.data
def test_the_installed_example_passes_kvsbench_check(example_site, fashion_dir, tmp_path):
    site, env = example_site
    out = _kvsbench(env, "check", "coursenet", "--format", "json", "--data-dir",
                    str(fashion_dir), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] and len(report["checks"]) == 23
    assert {c["group"] for c in report["checks"]} == {"interface", "gradient", "step", "run"}


@pytest.mark.slow
@pytest.mark.data
def test_the_installed_example_runs_with_impls(example_site, fashion_dir, tmp_path):
    site, env = example_site
    out_dir = tmp_path / "out"
    out = _kvsbench(env, *_run_args(fashion_dir, out_dir, "--models", "mlp", "--impls",
                                    "scratch", "coursenet", "--reference", "scratch"),
                    cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = pd.read_csv(out_dir / "runs.csv").set_index("impl")
    assert runs.loc["coursenet", "status"] == "ok"
    assert runs.loc["coursenet", "max_loss_diff"] < 1e-5
    assert "course net" in (out_dir / "report.md").read_text()
