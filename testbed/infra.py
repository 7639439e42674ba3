"""Every node as a testinfra host: testinfra's modules (process, socket, interface, file,
package, ...) on a testbed's nodes, entered the way `testbed exec` enters them, on both runtimes.

    gw1 = tb.node("gw1").testinfra
    assert gw1.process.filter(comm="ovn-controller")
    assert gw1.interface("br-ex").exists
    assert gw1.file("/etc/openvswitch/conf.db").exists

The backend hands each command to the node's own `run` (the runtime knows how to enter it: a
container's exec, or nsenter into a namespace of the holder), so nothing here knows Docker.
"""

from __future__ import annotations

from typing import Any

import testinfra.host
from testinfra.backend import base


class NodeBackend(base.BaseBackend):
    """A testinfra backend on one testbed node."""

    NAME = "ovn-testbed"

    def __init__(self, node, *args: Any, **kwargs: Any):  # a runtime's node (runtime/base.py)
        self.node = node
        super().__init__(node.name, *args, **kwargs)

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        done = self.node.run(["sh", "-c", cmd], check=False)
        return self.result(done.rc, self.encode(cmd), done.stdout.encode(),
                           done.stderr.encode())


def host(node) -> testinfra.host.Host:
    """The node as a testinfra Host."""
    return testinfra.host.Host(NodeBackend(node))
