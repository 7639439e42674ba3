"""`make test` runs this suite on two pytest-xdist workers (`-n 2 --dist loadgroup`): each test
module goes whole to one of two groups, and each worker brings its group's testbeds up ahead
(testbed_ahead in pyproject.toml). The scenario tests mostly wait on the network (BFD, OVN
catching up, pings), so one stream of them keeps the two cores half idle; two streams fill them.

Group "b" holds the fault tests with the module testbeds they do not share with the seed's
other users, and a share of the unit tests to run while those come up; group "a" the rest. The
two measured about the same length. Without xdist (plain `pytest`) the groups mean nothing.
"""

from __future__ import annotations

import pytest

GROUP_B = {
    "tests/unit/test_loader_properties.py",
    "tests/unit/test_walk_offline.py",
    "tests/unit/test_scenario_services.py",
    "tests/scenario/test_backends.py",
    "tests/scenario/test_dvr.py",
    "tests/scenario/test_faults.py",
    "tests/scenario/test_neutron.py",
    "tests/scenario/test_no_nat.py",
    "tests/scenario/test_runtime_netns.py",
    "tests/scenario/test_two_routers.py",
    "tests/scenario/test_vxlan.py",
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group("b" if module in GROUP_B else "a"))
