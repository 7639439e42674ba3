"""Scenario tests on real daemons. They use the ovn-testbed pytest plugin as users do: a
`testbed` marker declares each module's scenario (so `testbed_ahead = 2` in pyproject.toml
brings the testbeds up in the background while earlier tests run), and the plugin's `testbed`
and `testbeds` fixtures bring them up and down. This file adds the shared `seed` fixture and
marks the folder's tests (Docker engine and root needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "l3-over-vlan.yaml"
SMALL = ROOT / "tests" / "scenarios" / "small.yaml"
RUNS = ROOT / "runs"  # the plugin's default run folder (testbed_runs) under the rootdir


def pytest_collection_modifyitems(config, items):
    from testbed.pytest_plugin import unavailable

    reason = unavailable(config)
    for item in items:
        if "tests/scenario/" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.docker)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
        if "seed" in item.fixturenames and item.get_closest_marker("testbed") is None:
            item.add_marker(pytest.mark.testbed(SEED))  # declared: brought up ahead


@pytest.fixture(scope="session")
def seed(testbeds):
    """The seed topology, up for the whole session (the plugin's shared testbed of SEED)."""
    return testbeds.shared(SEED, "session")


def checks_hold(tb) -> dict:
    """Every check the scenario file declares holds on `tb`, as `testbed check` runs them;
    the results by title (each with what its experiment returned, in `detail`)."""
    from testbed import checks

    results = checks.run(tb.lab)
    assert results and all(r.ok for r in results), checks.render(results)
    return {r.check: r for r in results}
