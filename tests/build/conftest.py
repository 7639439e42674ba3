"""The own-OVN-build test (`make test-ovn-build`): a git checkout of OVN with its ovs submodule,
made from Debian's source packages (debian_source.py), compiled in the builder and brought up.
Minutes of compiling, so not part of `make test`; .ci/run runs it after. Root and a Docker
engine are needed, as for the scenario tests."""

from __future__ import annotations

from ..docker_only import mark


def pytest_collection_modifyitems(config, items):
    mark(config, items)
