"""Fixtures that bring real testbeds up (Docker engine and root for netlink wiring needed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testbed.manager.docker import DockerBackend, connect
from testbed.model import load
from testbed.net import Testbed, teardown

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


@contextmanager
def bring_up(scenario: Path, name: str) -> Iterator[Testbed]:
    """A testbed of `scenario` under `name`, down afterwards. A testbed of that name left by a
    killed run is removed first (and said so), instead of failing with "already up"."""
    if DockerBackend().nodes(name):
        print(f"removing a stale testbed '{name}' left by an earlier run")
        teardown(name, RUNS / name)
    with Testbed(load(scenario), name=name, runs_dir=RUNS) as tb:
        yield tb


@pytest.fixture(scope="session")
def seed():
    """The seed topology, up for the whole session under its own name."""
    with bring_up(SEED, "pytest-seed") as tb:
        yield tb
