"""`testbed ls` states and ages, `testbed image --tag`, and the bash completion script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from testbed import images
from testbed.cli import main as cli
from testbed.cli.ls import describe, human

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
