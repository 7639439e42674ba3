"""Fixtures that bring real testbeds up (Docker engine and root for netlink wiring needed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testbed import images
from testbed.manager.docker import DockerBackend, connect
from testbed.model import load
from testbed.net import Testbed, teardown

from .ahead import Ahead

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


# the testbeds of scenario modules, in the order the modules run (brought up ahead)
MODULE_TESTBEDS = {
    "test_dvr.py": ("pytest-dvr", ROOT / "scenarios" / "dvr.yaml"),
    "test_faults.py": ("pytest-seed", SEED),
    "test_neutron.py": ("pytest-aio", ROOT / "scenarios" / "packstack-allinone.yaml"),
    "test_no_nat.py": ("pytest-nonat", ROOT / "scenarios" / "no-nat.yaml"),
    "test_two_routers.py": ("pytest-two", ROOT / "scenarios" / "two-routers.yaml"),
    "test_vxlan.py": ("pytest-vxlan", ROOT / "tests" / "scenarios" / "vxlan.yaml"),
}
AHEAD: Ahead | None = None


def pytest_collection_finish(session):
    """Start the testbeds the selected tests need, two at a time (see ahead.py)."""
    global AHEAD
    items = [i for i in session.items if "tests/scenario/" in str(i.fspath)
             and not i.get_closest_marker("skip")]
    wanted: dict[str, Path] = {}
    for item in items:
        if "seed" in item.fixturenames:
            wanted.setdefault("pytest-seed", SEED)
        name, scenario = MODULE_TESTBEDS.get(Path(str(item.fspath)).name, (None, None))
        if name:
            wanted.setdefault(name, scenario)
    if len(wanted) < 2:
        return
    suites = sorted({load(p).settings.suite for p in wanted.values()})

    def build() -> None:  # once, before the parallel bring-ups, while the unit tests run
        client = connect()
        for suite in suites:
            images.ensure_node_image(client, suite, progress=lambda _: None)
    AHEAD = Ahead(RUNS)
    AHEAD.prepare(build)
    AHEAD.start(list(wanted.items()))


@pytest.fixture(autouse=True)
def _node_image_ready():
    """Scenario tests start once the background image build is done (one build, not two)."""
    if AHEAD is not None:
        AHEAD.wait_ready()


def pytest_sessionfinish(session, exitstatus):
    if AHEAD is not None:
        AHEAD.finish()


@contextmanager
def bring_up(scenario: Path, name: str) -> Iterator[Testbed]:
    """A testbed of `scenario` under `name`, down afterwards: the one brought up ahead if the
    session started it, else brought up here. A testbed of that name left by a killed run is
    removed first (and said so), instead of failing with "already up"."""
    launch = AHEAD.take(name) if AHEAD is not None else None
    if launch is not None:
        tb = Testbed.attach(name, RUNS)
        try:
            yield tb
        finally:
            tb.down()
        return
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
