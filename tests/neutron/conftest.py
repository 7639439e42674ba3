"""Real Neutron in the loop (`make test-neutron`): the neutron node's image is built once (about
two minutes: Debian's neutron-server and MariaDB), so not part of `make test`; .ci/run runs it
after. Root and a Docker engine are needed, as for the scenario tests."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    from testbed.pytest_plugin import unavailable

    reason = unavailable(config)
    for item in items:
        item.add_marker(pytest.mark.docker)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
