"""`testbed ls` states and ages, `testbed image --tag`, and the bash completion script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from testbed.cli import main as cli
from testbed.cli.ls import describe, human
from testbed.runtime import images

NOW = datetime(2026, 11, 28, 6, 0, 0, tzinfo=timezone.utc)
T0 = "2026-11-28T05:58:20.123456789Z"  # 100 s before NOW, as Docker writes it


def test_state_and_age_from_the_containers(tmp_path):
    up = describe("lab", [("a", "running", T0), ("b", "running", "2026-11-28T05:59:00Z")],
                  tmp_path, NOW)
    assert (up["state"], up["age_s"], up["containers"]) == ("up", 100, 2)
    paused = describe("lab", [("gw1", "paused", T0), ("b", "running", T0)], tmp_path, NOW)
    assert paused["state"] == "paused: gw1"
    broken = describe("lab", [("gw1", "exited", T0), ("b", "running", T0)], tmp_path, NOW)
    assert broken["state"] == "degraded: gw1 not running"
    assert describe("lab", [("a", "exited", T0)], tmp_path, NOW)["state"] == "stopped"
    assert human(100) == "1 min" and human(7200) == "2 h" and human(5) == "5 s"


def test_scenario_and_kept_come_from_the_run_folder(tmp_path):
    run = tmp_path / "pt1-small-1"
    run.mkdir()
    (run / "state.json").write_text('{"scenario": {"name": "small"}}')
    (run / "kept").write_text("")
    row = describe("pt1-small-1", [("a", "running", T0)], tmp_path, NOW)
    assert row["scenario"] == "small" and row["kept"] is True


def test_image_tag_needs_no_engine():
    """In a child process with an engine address that leads nowhere (setting it in this
    process would reach the bring-ups the plugin starts from its other threads)."""
    got = subprocess.run([sys.executable, "-m", "testbed", "image", "--tag"], capture_output=True,
                         text=True, timeout=60, env={**os.environ,
                                                     "DOCKER_HOST": "unix:///nonexistent.sock"})
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == images.node_image_tag("trixie")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_offers_verbs_options_and_testbed_names(capsys, tmp_path):
    assert cli(["completion", "bash"]) == 0
    script = tmp_path / "testbed.bash"
    script.write_text(capsys.readouterr().out)

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        probe = (f'source "$1"\ntestbed() {{ printf "lab-one\\nlab-two\\nother\\n"; }}\n'
                 f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'; "
                 'COMP_POINT=${#COMP_LINE}\n_shtab_testbed\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
        out = subprocess.run(["bash", "-c", probe, "bash", str(script)], capture_output=True,
                             text=True, timeout=20, check=True).stdout
        return out.split()

    assert complete("testbed", "ca") == ["capture"]
    assert complete("testbed", "show", "la") == ["lab-one", "lab-two"]
    assert complete("testbed", "walk", "vm1", "vm2", "--name", "o") == ["other"]
    assert "--json" in complete("testbed", "ls", "--")
    assert Path(script).stat().st_size > 1000


def test_the_testbed_is_the_named_one_or_the_only_one_up(monkeypatch, capsys):
    from types import SimpleNamespace as NS

    from testbed.cli import pick

    up: list[str] = []
    monkeypatch.setattr(pick, "up_names", lambda: sorted(up))
    with pytest.raises(pick.NoSuchTestbed, match="no testbed is up"):
        pick.name_of(NS(name=None))
    up[:] = ["mine"]
    assert pick.name_of(NS(name=None)) == "mine"
    assert "testbed 'mine' (the only one up)" in capsys.readouterr().err
    up[:] = ["zeta", "alpha"]
    with pytest.raises(pick.NoSuchTestbed, match="2 testbeds are up; name one with --name: "
                                                 "alpha, zeta"):
        pick.name_of(NS(name=None))
    assert pick.name_of(NS(name="given")) == "given"
    with pytest.raises(pick.NoSuchTestbed, match="no testbed 'alpah'; testbeds up: alpha, zeta"):
        pick.refuse_unknown("alpah")
    tb = NS(name="t", nodes={"vm1": 1, "gw1": 2, "central": 3})
    with pytest.raises(pick.NoSuchTestbed, match="no node 'gw3' in testbed t; nodes: central, "
                                                 "gw1, vm1"):
        pick.node(tb, "gw3")


def test_down_of_a_testbed_that_does_not_exist_fails_and_lists_those_that_do(monkeypatch,
                                                                             capsys):
    from testbed.cli import down, pick

    monkeypatch.setattr(pick, "up_names", lambda: ["l3-over-vlan"])
    removed = []
    monkeypatch.setattr(down, "teardown", lambda name, run: removed.append(name))
    monkeypatch.setattr(down, "leftovers", lambda name: name == "crashed")
    assert cli(["down", "crashed"]) == 0  # no container, but what a crash left is removed
    assert cli(["down", "l3-over-vlna"]) == 1
    assert "no testbed 'l3-over-vlna'; testbeds up: l3-over-vlan" in capsys.readouterr().err
    assert removed == ["crashed"]
    assert cli(["down"]) == 0 and removed == ["crashed", "l3-over-vlan"]
    assert cli(["down", "--name", "l3-over-vlan"]) == 0  # one way to name it, in every verb
    assert removed[-1] == "l3-over-vlan"
    assert cli(["down", "l3-over-vlan", "--name", "other"]) == 1
    assert "two names given" in capsys.readouterr().err


def test_the_top_level_help_is_whole_sentences(capsys):
    with pytest.raises(SystemExit):
        cli(["--help"])
    out = capsys.readouterr().out
    assert "take them down. `testbed VERB --help` for each." in " ".join(out.split())


def test_a_run_that_requires_testbeds_fails_where_none_can_come_up(monkeypatch):
    """CI sets OVN_TESTBED_REQUIRE=1: without root or an engine the run fails at collection
    instead of passing on the unit tests alone; without it the reason is a skip."""
    from types import SimpleNamespace as NS

    from testbed import pytest_plugin as plugin

    pool = NS(skip_reason=lambda: "testbed: no Docker engine")
    config = NS(stash={plugin._POOL: pool}, getoption=lambda name: False)
    monkeypatch.delenv(plugin.REQUIRE_ENV, raising=False)
    assert plugin.unavailable(config) == "testbed: no Docker engine"
    monkeypatch.setenv(plugin.REQUIRE_ENV, "1")
    with pytest.raises(pytest.UsageError, match="no Docker engine; testbeds are required"):
        plugin.unavailable(config)
    monkeypatch.setenv(plugin.REQUIRE_ENV, "0")
    assert plugin.unavailable(NS(stash={plugin._POOL: NS(skip_reason=lambda: None)},
                                 getoption=lambda name: True)) is None


def test_nbctl_and_sbctl_pass_the_tools_own_options_through():
    """`testbed nbctl --name X --wait=hv sync` was refused: argparse read --wait=hv as the
    verb's. The verb's own options come first; every word after them is the tool's."""
    from testbed.cli import _tool_arguments_apart, build_parser

    def parsed(*argv: str):
        return build_parser().parse_args(_tool_arguments_apart(list(argv)))
    got = parsed("--runs", "r", "nbctl", "--name", "lab", "--wait=hv", "sync")
    assert (got.name, got.args[1:]) == ("lab", ["--wait=hv", "sync"])
    got = parsed("sbctl", "--", "--columns=name", "list", "Chassis")
    assert (got.name, got.args[1:]) == (None, ["--columns=name", "list", "Chassis"])
    got = parsed("nbctl", "--name=lab", "lr-nat-add", "R1", "snat", "--may-exist")
    assert got.args[1:] == ["lr-nat-add", "R1", "snat", "--may-exist"]  # order kept
    assert parsed("walk", "vm1", "vm4", "--name", "lab").name == "lab"  # other verbs as before
