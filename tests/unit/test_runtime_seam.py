"""The runtime seam: outside testbed/runtime nobody reads a node's PID, a Docker object or an
inspect dict, and a new runtime is one new module that registers itself."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from testbed import runtime
from testbed.cli import build_parser
from testbed.runtime import runtimes

PACKAGE = Path(__file__).resolve().parents[2] / "testbed"
ENGINE_ATTRIBUTES = {"pid", "attrs", "container", "client"}
"""a PID, an engine object, an inspect dict, an engine client"""


def offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]
            found += [f"line {node.lineno}: imports {m}" for m in mods
                      if m == "docker" or m.startswith("docker.")]
        elif isinstance(node, ast.Attribute) and node.attr in ENGINE_ATTRIBUTES:
            owner = node.value
            own_process = node.attr == "pid" and (
                isinstance(owner, ast.Attribute) and owner.attr == "proc"
                or isinstance(owner, ast.Name) and owner.id == "proc")
            if not own_process:  # a subprocess this module started is its own business
                found.append(f"line {node.lineno}: reads .{node.attr}")
    return found


def test_the_scan_sees_what_it_forbids(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import docker\nx = node.pid\ny = c.attrs['State']\nz = r.proc.pid\n")
    assert offences(bad) == ["line 1: imports docker", "line 2: reads .pid",
                             "line 3: reads .attrs"]


def test_nothing_outside_the_runtime_knows_pids_or_engine_objects():
    found = {path.relative_to(PACKAGE.parent).as_posix(): hits
             for path in sorted(PACKAGE.rglob("*.py"))
             if "runtime" not in path.relative_to(PACKAGE).parts[:1]
             and (hits := offences(path))}
    assert not found, f"outside testbed/runtime: {found}"


def test_a_new_runtime_is_one_module_that_registers_itself(tmp_path, monkeypatch):
    (tmp_path / "lxd_like.py").write_text(textwrap.dedent('''
        from testbed.runtime.runtimes import register

        @register
        class LxdLike:
            name = "lxd-like"

            def claims(self, testbed):
                return testbed == "held-here"
    '''))
    monkeypatch.setattr(runtime, "__path__", [*runtime.__path__, str(tmp_path)])
    try:
        assert "lxd-like" in runtimes.available()
        assert type(runtimes.backend("lxd-like")).__name__ == "LxdLike"
        assert type(runtimes.of("held-here")).__name__ == "LxdLike"
        args = build_parser().parse_args(["up", "--runtime", "lxd-like"])
        assert args.runtime == "lxd-like"
    finally:
        monkeypatch.undo()
        runtimes.RUNTIMES.pop("lxd-like", None)
        sys.modules.pop("testbed.runtime.lxd_like", None)
    with pytest.raises(Exception, match="no runtime 'lxd-like': the runtimes are docker, netns"):
        runtimes.backend("lxd-like")


def test_a_process_is_known_again_by_its_start_time_and_a_dead_one_has_none():
    import os
    import subprocess

    from testbed import wait
    from testbed.runtime import enter

    assert enter.started(os.getpid()) == enter.started(os.getpid()) is not None
    child = subprocess.Popen(["true"])  # exits at once: a zombie until reaped
    wait.until("`true` to exit (a zombie)", lambda: [] if open(f"/proc/{child.pid}/stat").read()
               .split(") ")[1][0] == "Z" else ["still running"], 10, interval=0.01)
    assert enter.started(child.pid) is None, "a zombie passed for a live process"
    child.wait()
    assert enter.started(child.pid) is None
