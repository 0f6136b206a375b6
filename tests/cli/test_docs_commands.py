"""Every command in README.md and docs/*.md is one the tool accepts, so the docs cannot drift
from it: each `kvsbench ...` line of a ```bash block parses with the real CLI parser (its
subcommand, flags and choices), each script or test file named exists, and each `tox -e` env
is defined. The commands themselves run in the tests of their commands and in .ci/run."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

from benchmarks.cli import build_parser
from tests.helpers import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```bash\n(.*?)```", re.S)


def commands(path: Path) -> list[str]:
    """The commands of the ```bash blocks of ``path``: continuation lines joined, comments
    and leading VAR=value assignments dropped, `a && b` split."""
    out = []
    for block in _BLOCK.findall(path.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            for part in " ".join(shlex.quote(w) for w in words).split(" '&&' "):
                words = shlex.split(part)
                while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                    words = words[1:]
                if words:
                    out.append(shlex.join(words))
    return out


ALL = [(p.relative_to(ROOT).as_posix(), c) for p in DOCS for c in commands(p)]


def test_the_docs_hold_commands():
    tools = {shlex.split(c)[0] for _, c in ALL}
    assert {"kvsbench", "pytest", "pip"} <= tools
    assert sum(shlex.split(c)[0] == "kvsbench" for _, c in ALL) >= 15


@pytest.mark.parametrize("doc, command", [x for x in ALL if x[1].startswith("kvsbench ")])
def test_kvsbench_command_parses(doc, command, capsys):
    words = shlex.split(command)[1:]
    try:
        args = build_parser().parse_args(words)
    except SystemExit as exc:
        pytest.fail(f"{doc}: `{command}` is refused by the CLI: "
                    f"{capsys.readouterr().err.strip().splitlines()[-1:]} (exit {exc.code})")
    assert callable(args.func)


@pytest.mark.parametrize("doc, command", [x for x in ALL if not x[1].startswith("kvsbench ")])
def test_other_command_names_what_exists(doc, command):
    words = shlex.split(command)
    tool = words[0]
    if tool.startswith(".ci/"):
        script = ROOT / tool
        assert script.is_file() and script.stat().st_mode & 0o111, f"{doc}: {tool}"
    elif tool == "pytest":
        for w in words[1:]:
            if not w.startswith("-") and ("/" in w or w.endswith(".py")):
                assert (ROOT / w.split("::")[0]).exists(), f"{doc}: {w} does not exist"
        if "-m" in words:  # every marker of the expression is registered in pyproject
            for marker in set(re.findall(r"\w+", words[words.index("-m") + 1])) - {
                    "and", "or", "not"}:
                assert marker in registered_markers(), f"{doc}: marker `{marker}`"
    elif tool == "tox":
        ini = configparser.ConfigParser()
        ini.read(ROOT / "tox.ini")
        env = words[words.index("-e") + 1]
        assert ini.has_section(f"testenv:{env}"), f"{doc}: tox env {env}"
    elif tool == "pip":
        extras = re.findall(r"\.\[([\w,]+)\]", command)
        text = (ROOT / "pyproject.toml").read_text()
        for extra in ",".join(extras).split(","):
            if extra:
                assert re.search(rf"^{extra} = \[", text, re.M), f"{doc}: extra [{extra}]"
    else:
        assert tool in {"pytest-benchmark", "cp", "python"}, f"{doc}: unknown tool `{tool}`"


def registered_markers() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {m.split(":")[0] for m in config["tool"]["pytest"]["ini_options"]["markers"]}


def test_the_inner_loop_markers_are_registered():
    assert {"slow", "data"} <= registered_markers()


def test_a_wrong_command_is_caught(capsys):
    """The check can fail: a flag the CLI does not have is refused."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--no-such-flag"])
