"""The testbed's physical topology as a plain graph, from the scenario alone (no testbed needs
to run): nodes, VMs and networks as vertices, wires as edges. `testbed graph` renders it for
other tools (report/graph_formats.py: Mermaid, Graphviz dot, draw.io, HTML).

    g = graph.of(load("l3-over-vlan"))
    g.vertices["gw1"].kind == "gateway";  [e for e in g.edges if e.a == "gw1"]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .scenario import Network, Role, Scenario


@dataclass(frozen=True)
class Vertex:
    name: str
    kind: str  # a node's role, "vm", or "network"
    label: str = ""  # a second line: address, what it runs


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    kind: str  # trunk, access, network, external, upstream
    label: str = ""


@dataclass
class Graph:
    name: str
    vertices: dict[str, Vertex] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, name: str, kind: str, label: str = "") -> None:
        self.vertices[name] = Vertex(name, kind, label)

    def wire(self, a: str, b: str, kind: str, label: str = "") -> None:
        self.edges.append(Edge(a, b, kind, label))

    def neighbours(self, name: str) -> list[str]:
        """The networks a node is on and the nodes at the other end of its links."""
        return sorted({e.b if e.a == name else e.a for e in self.edges if name in (e.a, e.b)})


def _node_label(sc: Scenario, name: str) -> str:
    node = sc.nodes[name]
    if node.role is Role.central:
        members = len(sc.centrals)
        return "NB + SB + northd" + (f" (member of {members})" if members > 1 else "")
    if node.role is Role.relay:
        return "SB relay"
    if node.role is Role.external:
        return str(node.address or "")
    return {Role.gateway: "gateway chassis", Role.compute: "compute chassis",
            Role.tor: "ToR switch", Role.neutron: "neutron-server (ML2/OVN)"}.get(node.role, "")


def of(sc: Scenario) -> Graph:
    """The scenario's nodes, VMs and networks and what wires them."""
    g = Graph(sc.name)
    for name, node in sc.nodes.items():
        g.add(name, node.role.value, _node_label(sc, name))
    g.add("mgmt", "network", "OVSDB: NB, SB, ovn-controller")
    for name in [*sc.centrals, *sc.relays, *sc.chassis, *sc.nodes_with(Role.neutron)]:
        g.wire(name, "mgmt", "network")
    if sc.chassis:
        g.add("overlay", "network", f"{sc.physical.encap} tunnels, BFD")
    for name in sc.chassis:
        g.wire(name, "overlay", "network")
        for physnet in sc.physnets:
            vlans = sorted(sw.vlan for s, sw in sc.switches.items()
                           if sw.network is Network.provider and sc.physnet_of(s) == physnet
                           and sw.vlan is not None)
            g.wire(name, sc.tor, "trunk", f"{physnet}: VLAN {','.join(map(str, vlans))}"
                   if vlans else physnet)
    for i, physnet in enumerate(sc.external_physnets):
        net = physnet if physnet not in sc.nodes else f"{physnet}-network"
        g.add(net, "network", "external network, flat, bridged in the ToR")
        for name in sc.chassis:
            if sc.nodes[name].on_external:
                g.wire(name, net, "external")
        for host in sc.nodes_with(Role.external):
            node = sc.nodes[host]
            if node.behind is None and sc.external_index(host) == i:
                g.wire(host, net, "external")
    for host in sc.nodes_with(Role.external):
        if sc.nodes[host].behind:
            g.wire(host, sc.nodes[host].behind, "upstream")
    for name, vm in sc.vms.items():
        sw = sc.switches[vm.switch]
        g.add(name, "vm", vm.ip or "DHCP")
        g.wire(name, vm.chassis, "access",
               f"{vm.switch}" + (f" VLAN {sw.vlan}" if sw.vlan is not None else ""))
    return g
