"""scratch/ never imports TensorFlow or Keras (checked in a fresh interpreter)."""

import json
import subprocess
import sys

CORE_MODULES = [
    "activations", "losses", "initializers", "mlp", "logreg", "optimizers", "schedules",
    "training", "gradcheck", "splits",
]  # fmt: skip

SCRIPT = """
import importlib, json, pkgutil, sys
import scratch
found = {m.name for m in pkgutil.walk_packages(scratch.__path__, "scratch.")}
names = sorted({"scratch." + name for name in sys.argv[1:]} | found)
for name in names:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:  # a module of an optional engine (pip extra) not here
        if exc.name not in ("numba",):
            raise
bad = sorted(m for m in sys.modules if m.split(".")[0].startswith(("tensorflow", "keras")))
print(json.dumps({"modules": names, "bad": bad}))
"""


def test_scratch_imports_no_tensorflow_or_keras():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *CORE_MODULES],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"scratch." + name for name in CORE_MODULES} <= set(report["modules"])
    assert report["bad"] == [], f"scratch pulled in {report['bad']}"
