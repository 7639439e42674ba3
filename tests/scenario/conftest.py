"""Fixtures that bring real testbeds up (Docker engine and root for netlink wiring needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from testbed.manager.docker import connect
from testbed.model import load
from testbed.net import Testbed

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "l3-over-vlan.yaml"
SMALL = ROOT / "tests" / "scenarios" / "small.yaml"
RUNS = ROOT / "runs"


def pytest_collection_modifyitems(config, items):
    reason = None
    if os.geteuid() != 0:
        reason = "needs root: veths are wired from the host with netlink"
    else:
        try:
            connect()
        except RuntimeError as exc:
            reason = str(exc)
    for item in items:
        if "tests/scenario/" in str(item.fspath):
            item.add_marker(pytest.mark.docker)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def seed():
    """The seed topology, up for the whole session under its own name."""
    with Testbed(load(SEED), name="pytest-seed", runs_dir=RUNS) as tb:
        yield tb
