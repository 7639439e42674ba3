"""Scenario -> Compose document (one service per node and VM), written to the run folder."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..model import Role, Scenario
from ..model.ipv6 import dual_stack
from ..model.scenario import NeutronSource
from ..names import LABEL, NODE_LABEL, ROLE_LABEL, container_name
from .files import FILES

COMPOSE_DIR = (FILES / "compose").resolve()
MTU_OPTION = "com.docker.network.driver.mtu"
IPV6_ON = {f"net.ipv6.conf.{scope}.{key}": value for scope in ("all", "default")
           for key, value in (("disable_ipv6", 0), ("accept_dad", 0), ("accept_ra", 0))}
"""a dual-stack scenario's VMs and external hosts with address6 (node.yaml turns IPv6 off
everywhere else)"""
NETWORKS = ("mgmt", "overlay")
IN_HOLDER = "x-namespace"  # a VM run as a namespace in the holder (settings.vm_namespaces)
NEUTRON_TREE = "/opt/neutron-tree"  # settings.neutron.source, read-only (images/neutron)
"""The testbed's shared networks: Linux bridges in the holder's fabric namespace, each node on
them through a veth (runtime/containers.py, runtime/netns.py). The external network is not one
of them: it is wired with veths into a bridge in the ToR's container."""

COMPUTE_NICE = 10
"""Compute chassis' daemons yield the CPU to the central's, the gateways' and the ToR's when
it is short (node-init's NODE_NICE), in a testbed of many computes (YIELD_ABOVE). In a
deployment the central has CPUs of its own; here 100 chassis starved the SB server until every
ovn-controller's probe timed out and reconnected (registration took 46-70 s; 1 s with this).
Only the daemons: commands run at full speed."""

YIELD_ABOVE = 16
"""Computes yield, and the central weighs most, only in a testbed with more computes than
this. In a small one every container weighs the same: its chassis' BFD sessions and first
packets are what tests time, and weights are compared across testbeds too. Seen on two
pytest-xdist workers: computes weighing an eighth of a gateway lost BFD at 300 ms x 3 (the
active gateway released its port), and a chassis' first packet waited over a second while
another testbed's central (65536) came up."""

CPU_SHARES = {Role.central: 65536, Role.relay: 65536, Role.gateway: 8192, Role.tor: 8192,
              Role.external: 8192}
VM_CPU_SHARES = 8192
"""Docker weighs CPU per container first (default 1024 each), so a niceness inside one does not
reach past it: every container but the compute chassis' weighs more and gets the CPU first
when it is short (idle weight costs nothing). VMs and external hosts too: they send the probes
and the timed traffic, which must not stall behind a hundred busy chassis."""

_INIT_ROLE = {  # scenario role -> node-init role
    Role.central: "central", Role.relay: "relay", Role.gateway: "chassis", Role.compute: "chassis",
    Role.external: "host", Role.neutron: "neutron",
}


def node_networks(role: Role) -> list[str]:
    return {
        Role.central: ["mgmt"],
        Role.relay: ["mgmt"],
        Role.gateway: ["mgmt", "overlay"],
        Role.compute: ["mgmt", "overlay"],
        Role.tor: [],
        Role.external: [],
        Role.neutron: ["mgmt"],
    }[role]


def render(sc: Scenario, testbed: str, image: str | dict[str, str], datapath: str,
           tor_backend: str) -> dict:
    """The Compose document of one testbed: a service per node and per VM (`image`: one for
    all, or each node's)."""
    shared = yaml.safe_load((COMPOSE_DIR / "node.yaml").read_text())

    def service(name: str, init_role: str, labels: dict[str, str], **extra) -> dict:
        role = shared["roles"][init_role]
        svc = {
            **shared["service"],
            "image": image if isinstance(image, str) else image[name],
            "container_name": container_name(testbed, name),
            "hostname": name,
            "command": [init_role],
            "cap_add": role["cap_add"],
            "environment": {"OVS_DATAPATH": datapath},
            "labels": {LABEL: testbed, NODE_LABEL: name, **labels},
            **extra,
        }
        if role["devices"]:
            svc["devices"] = role["devices"]
        return svc

    services = {}
    many = len(sc.nodes_with(Role.compute)) > YIELD_ABOVE
    shares = CPU_SHARES if many else {role: VM_CPU_SHARES for role in (*CPU_SHARES, Role.compute)}
    for name, node in sc.nodes.items():
        init_role = _INIT_ROLE.get(node.role) or ("switch" if tor_backend == "ovs" else "host")
        if node.role is Role.central and sc.clustered:
            init_role = "member"  # its daemons start once the members' addresses are known
        nets = node_networks(node.role)
        if node.role is Role.tor and any(sc.physical.trunk_kind(sc.nodes[c]) == "vxlan"
                                         for c in sc.chassis):
            nets = ["overlay"]  # the underlay its VXLAN trunks run over
        wiring = {"networks": nets} if nets else {"network_mode": "none"}
        if node.role in shares:
            wiring["cpu_shares"] = shares[node.role]
        services[name] = service(name, init_role, {ROLE_LABEL: node.role.value}, **wiring)
        if node.role is Role.neutron and isinstance(sc.settings.neutron, NeutronSource):
            services[name]["volumes"] = [f"{sc.settings.neutron.source}:{NEUTRON_TREE}:ro"]
        if node.role is Role.compute and many:
            services[name]["environment"]["NODE_NICE"] = str(COMPUTE_NICE)
        if node.address6:  # an external host with an IPv6 address
            services[name]["sysctls"] = {**services[name].get("sysctls", {}), **IPV6_ON}
    for name, vm in sc.vms.items():
        services[name] = service(name, "host", {ROLE_LABEL: "vm"}, network_mode="none",
                                 cpu_shares=VM_CPU_SHARES)
        if sc.settings.vm_namespaces and not vm.own_container:
            services[name][IN_HOLDER] = True
        if dual_stack(sc):  # IPv6 on, no DAD wait; router advertisements only where an
            # ipv6_mode says so, per NIC (Host.autoconf6)
            services[name]["sysctls"] = {**services[name].get("sysctls", {}), **IPV6_ON}
    networks = {
        net: {"internal": True, "labels": {LABEL: testbed}, **network_mtu(sc, net)}
        for net in NETWORKS
        if any(net in s.get("networks", []) for s in services.values())
    }
    return {"version": "2.4", "services": services, "networks": networks}


def network_mtu(sc: Scenario, net: str) -> dict:
    """The overlay network's MTU when the scenario sets one (Docker's bridge driver option)."""
    mtu = sc.physical.mtu.get(net)
    return {"driver_opts": {MTU_OPTION: str(mtu)}} if mtu is not None else {}


def write(path: Path, document: dict) -> None:
    """The Compose file of a testbed (runs/<name>/compose.yaml): what its containers are, for a
    person to read and for `docker compose -p NAME -f FILE logs/ps/exec` to find them (the
    containers themselves are made through the Engine API: runtime/engine.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
