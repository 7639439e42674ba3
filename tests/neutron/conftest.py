"""Real Neutron in the loop (`make test-neutron`): the neutron node's image is built once (about
two minutes: Debian's neutron-server and MariaDB), so not part of `make test`; .ci/run runs it
after. Root and a Docker engine are needed, as for the scenario tests."""

from __future__ import annotations

from ..docker_only import mark


def pytest_collection_modifyitems(config, items):
    mark(config, items)
