"""For the suites `make test` leaves out (own OVN builds, real Neutron): every test needs a
Docker engine and root, and skips with the reason (or fails, where testbeds are required) when
this machine has neither, as the scenario tests do."""

from __future__ import annotations

import pytest


def mark(config, items) -> None:
    from testbed.pytest_plugin import unavailable

    reason = unavailable(config)
    for item in items:
        item.add_marker(pytest.mark.docker)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
