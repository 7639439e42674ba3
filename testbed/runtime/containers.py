"""The `docker` runtime: a container per node, through the Engine API (docker.py), except the
VMs when the scenario sets `vm_namespaces`: those become network namespaces in the testbed's
holder container (netns.VmHolder). A VM with `own_container: true` keeps its container. Every
node, container or namespace, answers the same Node interface (run, spawn, netns), so wiring,
captures, DHCP and link faults do not tell them apart.

The networks (mgmt, overlay) are no Docker networks: they are Linux bridges in the holder's
fabric namespace, each container on them through a veth of its own (eth0, eth1, as Docker
would name them), its addresses in a label (names.NETS_LABEL). Docker's bridge networks cost
the engine a network endpoint per NIC: measured on a 2-core machine, 106 containers on two
networks took 35.1 s to start and 14.1 s to remove, against 21.8 s and about 5 s on none.
Nothing of a testbed is on a host interface: the harness reaches NB and SB through the
central's unix sockets, Neutron's API inside the neutron node's namespace.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..names import NETS_LABEL, ROLE_LABEL
from ..parallel import each
from . import netns
from .compose import IN_HOLDER
from .docker import DockerBackend
from .netns import VmHolder
from .runtimes import register


@register
class ContainerRuntime(DockerBackend):
    name = "docker"

    def create(self, document: dict, project: str, config_file: str, workers: int = 8,
               progress: Callable[[str], None] = lambda _: None) -> None:
        services = document["services"]
        plan = netns.addresses(project, services)
        held = {n: s for n, s in services.items() if s.get(IN_HOLDER)}
        rest = {n: _on_fabric(s, plan.get(n, {})) for n, s in services.items() if n not in held}
        holder = VmHolder(self.client)
        image = _holder_image(services)
        if held:
            progress(f"starting {len(held)} VMs as namespaces in the holder")
        pids: dict[str, int] = {}
        # the holder starts beside the containers, not before them: the engine's start of one
        # container is what it costs, and that overlaps the others'
        steps = [lambda: DockerBackend.create(self, {"services": rest}, project, config_file,
                                              workers, progress),
                 lambda: pids.update(holder.start_holder(image, held, {}, project, config_file,
                                                         workers))]
        started = time.monotonic()
        each(lambda step: step(), steps, workers=2)
        progress(f"  {len(rest)} containers and the holder started "
                 f"({time.monotonic() - started:.2f} s)")
        started = time.monotonic()
        pids.update({n: node.pid for n, node in DockerBackend.nodes(self, project).items()
                     if n in plan})
        netns.fabric(project, pids, plan, workers, netns.network_mtus(document))
        progress(f"  {len(plan)} nodes on the mgmt and overlay bridges "
                 f"({time.monotonic() - started:.2f} s)")

    def nodes(self, testbed: str):
        return {**super().nodes(testbed), **VmHolder(self.client).nodes(testbed)}

    def rejoin(self, testbed: str, name: str, mtus: dict[str, int]) -> None:
        """A container started again: its NICs on the fabric made again, as they were (a
        stopped container's namespace took its veths with it)."""
        nodes = self.nodes(testbed)
        plan = {n: {net: (node.address(net).cidr, node.address(net).mac)
                    for net in netns.SUBNETS if node.on_network(net)}
                for n, node in nodes.items()}
        plan = {n: nets for n, nets in plan.items() if nets}
        if name not in plan:
            return
        holder_pid = netns.processes(testbed)[netns.FABRIC]
        netns.fabric(testbed, {name: nodes[name].pid, netns.FABRIC: holder_pid}, plan, 8, mtus,
                     only={name})


def _on_fabric(svc: dict, nets: dict[str, tuple[str, str]]) -> dict:
    """A service as the engine creates it: on no Docker network, its fabric addresses in a
    label."""
    out = {k: v for k, v in svc.items() if k != "networks"}
    out["network_mode"] = "none"
    if nets:
        out["labels"] = {**svc["labels"], NETS_LABEL: netns.nets_env(nets)}
    return out


def _holder_image(services: dict) -> str:
    """The holder runs the VMs' image (the node image: sh, ip, node-init), or the ToR's."""
    for role in ("vm", "tor"):
        for svc in services.values():
            if svc["labels"].get(ROLE_LABEL) == role:
                return svc["image"]
    return next(iter(services.values()))["image"]
