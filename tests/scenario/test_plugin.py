"""The pytest plugin as a user's own suite meets it: a test file in a folder of its own, no
conftest, nothing from this repository but the installed package; and the NB restore."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testbed import wait
from testbed.net import teardown
from testbed.pytest_plugin.nbstate import backup_nb, restore_nb
from testbed.pytest_plugin.pool import alive, owner
from testbed.runtime.docker import DockerBackend

from .conftest import SMALL

OUTSIDE = '''
import pytest

pytestmark = pytest.mark.testbed("small.yaml", scope="function")

def test_vma_reaches_vmb(testbed):
    assert testbed.host("vma").ping("192.168.50.11", count=3, wait=1).received >= 1

def test_fails_on_purpose(testbed):
    assert testbed.host("vma").ping("192.168.50.99", count=1, wait=0.5).received, "nobody there"
'''


def outside_suite(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "small.yaml").write_text(SMALL.read_text())
    (tmp_path / "test_mine.py").write_text(OUTSIDE)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-rA", *args, str(tmp_path / "test_mine.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=400,
        env={**os.environ, **(env or {})})


def test_a_suite_outside_this_repository_runs_on_real_testbeds(tmp_path):
    """Two workers (pytest-xdist) bring up two testbeds of one scenario side by side; the
    failed test's artefacts are saved and listed, and its testbed is kept up for a look."""
    run = outside_suite(tmp_path, "-n", "2", "--testbed-keep")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "1 failed, 1 passed" in out, out
    assert "nobody there" in out and "testbed artefacts" in out, out
    saved = list((tmp_path / "testbed-artifacts").glob("test_mine.py-test_fails_on_purpose/*"))
    assert len(saved) == 1, out
    folder, name = saved[0], saved[0].name
    try:
        assert name.startswith("pt") and f"testbed show {name}" in out, out
        assert "switch" in (folder / "ovn-nbctl-show.txt").read_text()
        assert "vma" in (folder / "ovn-sbctl-show.txt").read_text()  # the port's binding
        log = (folder / "nodes" / "hv1" / "ovn" / "ovn-controller.log").read_text()
        assert "Claiming lport" in log
        assert json.loads((folder / "run" / "state.json").read_text())["scenario"]["name"] == "small"
        # the passing test's testbed is gone; the failed one's is up, and nothing else: of the
        # plugin's testbeds, those whose pytest process is gone (this run's xdist workers live)
        left = {n for n in DockerBackend().testbeds()
                if (pid := owner(n)) is not None and not alive(pid)}
        assert left == {name}, left
    finally:
        teardown(name, tmp_path / "runs" / name, progress=lambda _: None)


def test_no_engine_skips_with_the_reason_or_fails_where_testbeds_are_required(tmp_path):
    nowhere = {"DOCKER_HOST": "unix:///nonexistent.sock"}
    run = outside_suite(tmp_path, env={**nowhere, "OVN_TESTBED_REQUIRE": "0"})
    assert run.returncode == 0, run.stdout
    assert "2 skipped" in run.stdout and "no Docker engine answers" in run.stdout, run.stdout
    run = outside_suite(tmp_path, env={**nowhere, "OVN_TESTBED_REQUIRE": "1"})
    out = run.stdout + run.stderr
    assert run.returncode == 4 and "no Docker engine answers" in out, out  # a usage error
    assert "testbeds are required here" in out and "passed" not in out, out


def test_nb_restore_puts_back_what_a_test_removed(seed):
    """The NB restore behind `testbed_nb_restore`: vm1's port deleted (vm1 cut off) and a
    switch added; after the restore the switch is gone and vm1 reaches vm4 again."""
    vm1 = seed.scenario.lsp("vm1")
    saved = backup_nb(seed.lab)
    seed.nb.lsp_del(vm1).execute(check_error=True)
    seed.nb.ls_add("scratch").execute(check_error=True)
    wait.until("vm1 cut off", lambda: ["vm4's reply to vm1"] if seed.host("vm1").ping(
        "10.10.0.14", count=1, wait=0.3).received else [], 15, interval=0.1)
    assert restore_nb(seed.lab, saved) is True
    assert "scratch" not in {ls.name for ls in seed.nb.ls_list().execute(check_error=True)}
    assert vm1 in {p.name for p in seed.nb.lsp_list().execute(check_error=True)}
    wait.until("vm1 to reach vm4", lambda: [] if seed.host("vm1").ping(
        "10.10.0.14", count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
    again = backup_nb(seed.lab)  # what the daemons write back (a listener's status) is no change
    assert "bound_port" not in again.dump and "hosting-chassis" not in again.dump, again.dump
    assert restore_nb(seed.lab, again) is False  # nothing changed: nothing restored


def test_marker_with_a_bad_scope_is_a_usage_error(tmp_path):
    (tmp_path / "test_bad.py").write_text(
        'import pytest\n\n@pytest.mark.testbed("l3-over-vlan", scope="forever")\n'
        'def test_x(testbed):\n    pass\n')
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir",
                          str(tmp_path), str(tmp_path / "test_bad.py")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "scope='forever': one of session, module, function" in run.stdout + run.stderr


def test_a_runtime_that_does_not_exist_is_a_usage_error(tmp_path):
    bogus = outside_suite(tmp_path, "--testbed-runtime=vm")
    assert bogus.returncode != 0
    assert "--testbed-runtime=vm: one of docker, netns" in bogus.stdout + bogus.stderr
