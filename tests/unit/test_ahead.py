"""Bring-ups started ahead (pytest_plugin/ahead.py) when a child process cannot be started:
no test waits for a launch that never began. Popen is faked; no Docker."""

from __future__ import annotations

import errno
from pathlib import Path

from testbed.pytest_plugin import ahead as A

SCENARIO = Path("/nowhere/seed.yaml")


class Started:
    def wait(self):
        return 0

    def poll(self):
        return 0


def launcher(tmp_path, failures: int) -> tuple[A.Ahead, list]:
    """An Ahead whose own Popen is faked (not subprocess.Popen: the session's real Ahead may be
    starting children in another thread of this process)."""
    calls: list = []

    def popen(argv, **kw):
        calls.append(argv)
        if len(calls) <= failures:
            raise OSError(errno.EFAULT, "Bad address", argv[0])
        return Started()
    ahead = A.Ahead(tmp_path, workers=1)
    ahead.popen = popen
    ahead.ready.set()
    ahead.start([("pt1-seed-1", SCENARIO, None)])
    return ahead, calls


def test_a_launch_that_fails_to_start_once_is_started_again(tmp_path):
    ahead, calls = launcher(tmp_path, failures=1)
    launch = ahead.take(SCENARIO, None, timeout=10)
    assert launch is not None and launch.rc == 0 and len(calls) == 2
    assert "trying once more" in launch.log.read_text()


def test_a_launch_that_cannot_start_is_handed_back_at_once(tmp_path):
    """take() returns None (the test's process brings the scenario up itself) instead of
    waiting its whole timeout for a launch whose thread had died."""
    ahead, calls = launcher(tmp_path, failures=2)
    assert ahead.take(SCENARIO, None, timeout=10) is None
    launch = ahead.launches["pt1-seed-1"]
    assert launch.error is not None and "Bad address" in launch.error and len(calls) == 2
