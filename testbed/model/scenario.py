"""The typed scenario: physical nodes, logical topology and VM placement. Pure data, no I/O."""

from __future__ import annotations

import ipaddress
import typing
from enum import Enum
from typing import Annotated, Literal

from pydantic import Field

from .. import names
from .build import OvnBuild, OvnChoice
from .checks import Check
from .impair import Impairment
from .l3 import Dhcp, Nat, Route, SecurityGroup
from .lb import LoadBalancer
from .types import (
    NAME_RE,
    Cidr,
    Ip,
    IpInterface,
    LogicalName,
    Mac,
    Mtu,
    Name,
    Strict,
    Vlan,
)


class Role(str, Enum):
    central = "central"
    relay = "relay"
    gateway = "gateway"
    compute = "compute"
    tor = "tor"
    external = "external"
    neutron = "neutron"


class Datapath(str, Enum):
    auto = "auto"
    netdev = "netdev"
    system = "system"


class TorBackend(str, Enum):
    auto = "auto"
    ovs = "ovs"
    linux_bridge = "linux-bridge"


class RoutingMode(str, Enum):
    """How a router routes East/West over VLAN provider networks (testbed/ovn/modes.py)."""

    distributed = "distributed"
    """the sending chassis routes; routed frames carry the router port's MAC"""
    chassis_mac = "chassis-mac"
    """the sending chassis routes; routed frames carry that chassis' MAC (ovn-chassis-mac-mappings)"""
    centralized = "centralized"
    """the active gateway chassis routes (reside-on-redirect-chassis on the VLAN ports)"""
    bridged = "bridged"
    """chassis MACs, and the gateway port redirects over the VLAN (redirect-type=bridged)"""

    # What each mode is made of: the one home of these facts (the OVN settings in
    # ovn/modes.py, the expectations in ovn/semantics.py and the loader's checks read them).
    @property
    def chassis_macs(self) -> bool:
        """ovn-chassis-mac-mappings on every chassis"""
        return self in (RoutingMode.chassis_mac, RoutingMode.bridged)

    @property
    def reside_on_gateway(self) -> bool:
        """options:reside-on-redirect-chassis on the router's VLAN ports"""
        return self is RoutingMode.centralized

    @property
    def bridged_redirect(self) -> bool:
        """options:redirect-type=bridged on the gateway port"""
        return self is RoutingMode.bridged

    @property
    def needs_gateway_port(self) -> bool:
        return self.reside_on_gateway or self.bridged_redirect


class HaPlacement(str, Enum):
    """The two ways OVN schedules a gateway port on chassis with priorities."""

    gateway_chassis = "gateway_chassis"
    ha_chassis_group = "ha_chassis_group"


class Network(str, Enum):
    provider = "provider"
    """a VLAN on the provider network (a localnet port with a tag; routed E/W over VLAN)"""
    external = "external"
    """the flat external network of the gateways (a localnet port, no VLAN)"""
    tenant = "tenant"
    """an overlay network (geneve between chassis, no localnet): Neutron's tenant networks"""


Suite = Literal["trixie", "bookworm"]
SUITES: tuple[str, ...] = typing.get_args(Suite)


class Bfd(Strict):
    """BFD timers on every tunnel (NB_Global options bfd-min-rx, bfd-min-tx, bfd-mult)."""

    min_rx_ms: Annotated[int, Field(ge=1, le=60000)] = 1000
    min_tx_ms: Annotated[int, Field(ge=1, le=60000)] = 1000
    mult: Annotated[int, Field(ge=1, le=255)] = 3


class NeutronSource(Strict):
    """settings.neutron: {source: TREE}: a Neutron git checkout, mounted read-only in the
    neutron node and imported before Debian's package; its database migrations run when the
    server starts (Debian's dependencies stay: a tree far from 26.0 may need newer ones)."""

    source: str


class Settings(Strict):
    """How the testbed is built: Debian suite of the node image, datapath, ToR backend."""

    suite: Suite = "trixie"
    datapath: Datapath = Datapath.auto
    tor_backend: TorBackend = TorBackend.auto
    bfd: Bfd | None = None
    """BFD timers; OVN's defaults (1000 ms x 3) when absent."""
    naming: Literal["plain", "neutron"] = "plain"
    """OVN row names: plain (the scenario's names: A, R1, R1-A, ln-A) or as Neutron's OVN driver
    makes them (neutron-<uuid> with the name in external_ids, provnet-<uuid>, lrp-<uuid>)."""
    max_revalidator_ms: Annotated[int, Field(ge=10, le=10000)] | None = None
    """ovs-vswitchd other_config:max-revalidator on every chassis (OVS's default: 500 ms):
    how long a datapath flow cached before a change may live on; it bounds how long a new
    gateway keeps dropping traffic after it took the port over."""
    probe_interval_ms: Annotated[int, Field(ge=0, le=600000)] | None = None
    """OVSDB inactivity probes between the chassis and SB (every chassis' external_ids:
    ovn-remote-probe-interval, inactivity_probe on the central's NB and SB connections); OVN's
    default (5000 ms) when absent, 0 turns them off. Many chassis registering at once keep the
    SB server busy past 5 s, and every probe that times out reconnects and fetches SB again."""
    tls: bool = False
    """OVSDB over TLS: a PKI of the testbed's own (a CA, a key and certificate per node:
    ovn/pki.py); NB and SB take only ssl: clients (and RAFT runs over TLS), the chassis, northd
    and the DB tools present their node's certificate. The harness uses the servers' unix
    sockets."""
    transport_zones: Literal["shared", "per-compute"] = "shared"
    """shared (OVN's default): a tunnel between every two chassis. per-compute: each compute
    chassis in a transport zone of its own (external_ids:ovn-transport-zones), the gateways in
    all of them: tunnels only between a compute and the gateways (2N instead of N*(N-1)/2), and
    a chassis that joins changes no other compute's tunnels. Computes then reach each other
    over provider networks only (tenant networks are refused)."""
    vm_namespaces: bool = False
    """the docker runtime runs the VMs as network namespaces in one holder container instead of
    a container each (the engine's cost per container is what limits scale; the netns runtime
    does so for every node). Walks, captures, DHCP and link faults work the same; a VM's
    container faults (stop, pause) need `own_container: true` on it."""
    neutron: bool | NeutronSource = False
    """a `neutron` node: Debian's neutron-server with ML2/OVN driving this testbed's NB and SB
    (no Keystone, no Nova; `testbed openstack` talks to it); gateway chassis are offered to it
    for its gateway ports (ovn-cms-options=enable-chassis-as-gw). `{source: TREE}`: a Neutron
    checkout's code runs instead of Debian's package."""
    election_timer_ms: Annotated[int, Field(ge=100, le=600000)] | None = None
    """the NB and SB clusters' RAFT election timer (OVSDB's default: 1000 ms); only with a
    clustered central (replicas > 1). A leader lost is noticed after about this long."""
    ovn: OvnChoice | None = None
    """where OVS and OVN come from: the suite's packages (absent, or `debian`), an OVN source
    tree built here ({source: PATH}), or an install tree ({prefix: PATH}); see model/build.py."""


LinkKind = Literal["veth", "vxlan"]


class Node(Strict):
    role: Role
    address: IpInterface | None = None
    """external hosts only: the address on the external network (or, with `behind`, on the
    point-to-point link to the upstream host)."""
    address6: IpInterface | None = None
    """external hosts only: an IPv6 address on the external network beside `address`."""
    behind: Name | None = None
    """external hosts only: wired to this external host (an upstream router, which then
    forwards) instead of to the external network; its default route goes through it."""
    routes: list[Route] = []
    """external hosts only: static routes; when absent, routes to the subnets behind the
    routers' gateway ports that no SNAT hides are derived."""
    chassis_mac: Mac | None = None
    """chassis only: the MAC of this chassis on the provider network when a router's mode uses
    chassis MACs (chassis-mac, bridged); generated when absent."""

    ovn: OvnChoice | None = None
    """this node's OVS/OVN when they differ from settings.ovn (`debian`, {source}, {prefix}):
    central on one version, chassis on another (upgrade tests)."""

    relays: Annotated[int, Field(ge=0, le=8)] = 0
    """central only: SB relays (ovsdb-server in relay mode, each a node NAME-relay-N) in front
    of the chassis: they serve SB to every chassis, and only they talk to SB's server(s)."""
    replicas: Annotated[int, Field(ge=1, le=7)] = 1
    """central only: the members of its NB and SB RAFT clusters. The central is the first;
    NAME-2 ... NAME-N are added as central nodes (model/expand.py), each with an NB and an SB
    ovsdb-server and an ovn-northd (one active: OVSDB's lock). Several central nodes written
    out form one cluster too."""

    external_network: bool = False
    """compute chassis only: also wired to the external network (br-ex and its bridge mapping,
    as DVR computes are), so distributed floating IPs leave and enter here."""
    trunks: LinkKind | None = None
    """chassis only: how its trunks to the ToR are made, when not as physical.trunks says"""

    @property
    def is_chassis(self) -> bool:
        return self.role in (Role.gateway, Role.compute)

    @property
    def on_external(self) -> bool:
        """A chassis with a NIC on the external network: every gateway, DVR computes."""
        return self.role is Role.gateway or (self.role is Role.compute and self.external_network)


class Physical(Strict):
    """The physical networks every chassis is wired to."""

    provider: Name = "physnet1"
    """VLAN provider network: a trunk from each chassis to its ToR port (br-phy)."""
    external: Name = "external"
    """external network: gateway chassis and external hosts (br-ex)."""
    encap: Literal["geneve", "vxlan"] = "geneve"
    """the overlay's encapsulation (ovn-encap-type); OVN supports fewer logical datapaths and
    ports over vxlan (12-bit keys)"""
    mtu: dict[Name, Mtu] = {}
    """MTUs by network: `overlay` (the tunnel network between chassis), a provider network's
    name (its VLAN trunks), an external network's name; 1500 where absent (model/mtu.py)."""
    trunks: LinkKind = "veth"
    """how each chassis' trunks (and a gateway's external NIC) reach the ToR: `veth`, a wire
    between two namespaces, or `vxlan`, a point-to-point VXLAN tunnel between the chassis'
    and the ToR's addresses on the overlay network, as a link between two hosts would be
    stitched. A VXLAN trunk carries 50 bytes less than the underlay's 1500 (1450) unless the
    provider network's MTU says otherwise (physical.mtu); its tunnel packets are never
    fragmented."""

    def trunk_kind(self, node) -> str:
        return node.trunks or self.trunks


Ipv6Mode = Literal["slaac", "dhcpv6-stateful", "dhcpv6-stateless"]


class Switch(Strict):
    cidr: Cidr
    cidr6: Cidr | None = None
    """an IPv6 prefix beside the IPv4 subnet (dual stack; model/ipv6.py)"""
    ipv6_mode: Ipv6Mode | None = None
    """how its VMs get IPv6, as Neutron's ipv6_address_mode: `slaac` (router advertisements,
    EUI-64 addresses), `dhcpv6-stateful` (the address from DHCPv6), `dhcpv6-stateless` (SLAAC,
    DNS from DHCPv6); absent: configured statically from each VM's ip6."""
    dns6: Ip | None = None
    """the DNS server its VMs learn: from DHCPv6, or in the router advertisement (RDNSS) under
    slaac"""
    vlan: Vlan | None = None
    """VLAN on the provider network; None for a switch on the external network."""
    network: Network = Network.provider
    gateway: LogicalName | None = None
    """the router whose port is its hosts' default gateway; needed only when several routers
    have a port on this switch."""
    dhcp: Dhcp | None = None
    """serve the subnet with OVN's DHCP; VMs with `dhcp: true` take their address from it."""
    physnet: Name | None = None
    """the physical network it is on: for a provider switch its VLAN's (physical.provider when
    absent; every chassis gets a trunk and a bridge mapping per provider network), for an
    external switch another external network (physical.external when absent; every gateway
    gets a NIC and a bridge mapping per external network)."""


class RouterPort(Strict):
    switch: LogicalName
    mac: Mac
    ip: Ip
    gateway_chassis: dict[str, Annotated[int, Field(ge=1, le=32767, strict=True)]] = {}
    """chassis name -> priority; makes this the router's distributed gateway port."""
    ha_placement: HaPlacement = HaPlacement.gateway_chassis
    """how the priorities are written to NB: Gateway_Chassis rows on the router port, or one
    HA_Chassis_Group the port refers to (as Neutron does since it moved to groups)."""
    ip6: Ip | None = None
    """its IPv6 address on a dual-stack switch"""
    gateway_mtu: Mtu | None = None
    """gateway port only: NB options:gateway_mtu; larger packets leaving through it are answered
    with ICMP "fragmentation needed" (what Neutron sets to make path MTU discovery work)"""


class Router(Strict):
    ports: list[RouterPort] = Field(min_length=1)
    mode: RoutingMode = RoutingMode.distributed
    """East/West routing over VLAN; switchable on a running testbed (`testbed mode`)."""
    nat: list[Nat] = []
    routes: list[Route] = []
    """static routes (NB Logical_Router_Static_Route), e.g. to networks behind an upstream
    router on the external network."""
    chassis: Name | None = None
    """a gateway router: bound whole to this chassis (options:chassis), which routes and
    translates all its traffic; its port on an external network is the way out (no
    gateway_chassis), as ovn-kubernetes builds its GR_<node> routers."""

    @property
    def gateway_port(self) -> RouterPort | None:
        """The distributed gateway port (the one with gateway chassis; the first, when the
        router has several), if any."""
        return next((p for p in self.ports if p.gateway_chassis), None)

    @property
    def gateway_ports(self) -> list[RouterPort]:
        """Every distributed gateway port (OVN allows several, one per external network)."""
        return [p for p in self.ports if p.gateway_chassis]

    def nat_port(self, nat: Nat) -> RouterPort | None:
        """The distributed gateway port a NAT entry applies on: the one it names, else the
        router's only one."""
        if nat.gateway_port is not None:
            return next((p for p in self.gateway_ports if p.switch == nat.gateway_port), None)
        return self.gateway_port if len(self.gateway_ports) == 1 else None


class Vm(Strict):
    switch: LogicalName
    chassis: Name
    mac: Mac
    ip: Ip
    """its address (the port's; with `dhcp: true` OVN's DHCP hands it out)"""
    dhcp: bool = False
    """take the address from OVN's DHCP (a client in the VM) instead of configuring it"""
    security_groups: list[LogicalName] = []
    """Neutron-style security groups: ingress denied but what a rule allows (stateful)"""
    mtu: Mtu | None = None
    """its NIC's MTU (and its tap's on the chassis); 1500 when absent, or what DHCP hands out"""
    ip6: Ip | None = None
    """its IPv6 address on a dual-stack switch: configured statically (default route via the
    router's), or under an ipv6_mode what it gets (EUI-64 of its MAC when absent)"""
    own_container: bool = False
    """with settings.vm_namespaces: this VM still gets a container of its own (faults that stop
    or pause a container, its own image's files)"""


class Scenario(Strict):
    name: Annotated[str, Field(pattern=NAME_RE, max_length=20)]
    """default testbed name (containers, networks and veths carry it)."""
    description: str = ""
    settings: Settings = Settings()
    nodes: dict[Name, Node]
    physical: Physical = Physical()
    switches: dict[LogicalName, Switch]
    routers: dict[LogicalName, Router] = {}
    vms: dict[Name, Vm] = {}
    security_groups: dict[LogicalName, SecurityGroup] = {}
    load_balancers: dict[LogicalName, LoadBalancer] = {}
    """OVN load balancers: a VIP and port in front of backends (model/lb.py)"""
    checks: list[Check] = []
    """paths that must hold, run by `testbed check` (model/checks.py)"""
    impairments: list[Impairment] = []
    """links that start down, rate limited, lossy or delayed (model/impair.py)"""
    neutron_ids: dict[str, str] = {}
    """written by the testbed, not the file: the IDs Neutron gave the scenario's objects when
    it built them (settings.neutron), which name them in OVN from then on"""

    def ovn_for(self, node: str) -> OvnBuild | None:
        """The build a node's daemons come from (None: the suite's packages)."""
        choice = self.nodes[node].ovn or self.settings.ovn
        return choice if isinstance(choice, OvnBuild) else None

    def tunnel_peers(self, chassis: str) -> list[str]:
        """The chassis `chassis` has a tunnel to (settings.transport_zones)."""
        others = [c for c in self.chassis if c != chassis]
        if self.settings.transport_zones == "shared":
            return others
        if self.nodes[chassis].role is Role.compute:
            return [c for c in others if self.nodes[c].role is not Role.compute]
        return others

    def nodes_with(self, *roles: Role) -> list[str]:
        return [name for name, node in self.nodes.items() if node.role in roles]

    @property
    def chassis(self) -> list[str]:
        return self.nodes_with(Role.gateway, Role.compute)

    @property
    def central(self) -> str:
        """The central (a cluster's first member: where tools run when it answers)."""
        return self.nodes_with(Role.central)[0]

    @property
    def centrals(self) -> list[str]:
        """Every central node: one, or the members of the NB and SB clusters."""
        return self.nodes_with(Role.central)

    @property
    def relays(self) -> list[str]:
        """The SB relays the chassis connect to (none: the chassis reach SB itself)."""
        return self.nodes_with(Role.relay)

    @property
    def clustered(self) -> bool:
        return len(self.centrals) > 1

    @property
    def tor(self) -> str:
        return self.nodes_with(Role.tor)[0]

    def _physnets(self, network: Network, default: str) -> list[str]:
        named = [self.physnet_of(n) for n, sw in self.switches.items() if sw.network is network]
        return list(dict.fromkeys([default, *named]))

    @property
    def physnets(self) -> list[str]:
        """The provider networks, the default one first (each a trunk per chassis)."""
        return self._physnets(Network.provider, self.physical.provider)

    @property
    def external_physnets(self) -> list[str]:
        """The external networks, the default one first (each a NIC on every gateway)."""
        return self._physnets(Network.external, self.physical.external)

    def physnet_of(self, switch: str) -> str:
        sw = self.switches[switch]
        if sw.network is Network.external:
            return sw.physnet or self.physical.external
        return sw.physnet or self.physical.provider

    def external_index(self, host: str) -> int:
        """Which external network an external host (or a node's external switch) is on."""
        ip = ipaddress.ip_interface(self.nodes[host].address).ip
        for name, sw in self.switches.items():
            if sw.network is Network.external and ip in ipaddress.ip_network(sw.cidr):
                return self.external_physnets.index(self.physnet_of(name))
        return 0

    def physnet_index(self, switch: str) -> int:
        """Which of a chassis' provider trunks a provider switch's traffic uses."""
        return self.physnets.index(self.physnet_of(switch))

    @property
    def vlans(self) -> list[int]:
        return sorted({s.vlan for s in self.switches.values() if s.vlan is not None})

    def routers_on(self, switch: str) -> list[tuple[str, RouterPort]]:
        """(router, its port) for every router with a port on `switch`."""
        return [(rname, port) for rname, router in self.routers.items()
                for port in router.ports if port.switch == switch]

    def gateway_of(self, switch: str) -> RouterPort | None:
        """The router port that is the default gateway of a switch's hosts: the port of the
        router the switch names (`gateway:`), else of the only router on it (the loader refuses
        a switch with several routers and no `gateway:`)."""
        on = self.routers_on(switch)
        chosen = self.switches[switch].gateway
        if chosen is not None:
            return next((port for rname, port in on if rname == chosen), None)
        return on[0][1] if len(on) == 1 else None

    def router_of(self, switch: str) -> str | None:
        """The router whose port is the default gateway of `switch`."""
        port = self.gateway_of(switch)
        return next((r for r, p in self.routers_on(switch) if p is port), None) if port else None

    def upstream_link(self, host: str) -> tuple[str, str]:
        """(the upstream's address with prefix, the host's gateway) on the point-to-point link
        of a host wired `behind` another: the upstream takes the subnet's first address."""
        net = ipaddress.ip_interface(self.nodes[host].address).network
        first = str(next(net.hosts()))
        return f"{first}/{net.prefixlen}", first

    def behind_hosts(self, upstream: str) -> list[str]:
        return [n for n, node in self.nodes.items() if node.behind == upstream]

    def host_ip(self, name: str, ipv6: bool = False) -> str | None:
        """A VM's or external host's address: IPv4, or with `ipv6` its IPv6 one (None where
        it has none)."""
        if name in self.vms:
            return self.vms[name].ip6 if ipv6 else self.vms[name].ip
        node = self.nodes.get(name)
        address = node and (node.address6 if ipv6 else node.address)
        return address.split("/")[0] if address else None

    def routes_back(self, host: str) -> list[tuple[str, str]]:
        """Routes an external host needs to reach the switches behind the routers it faces:
        (cidr, via the router's gateway port IP), for the subnets no SNAT hides (without them a
        reply from the external host to a VM would have nowhere to go), and with `address6`
        every IPv6 prefix behind the router."""
        if self.nodes[host].routes:
            return [(r.to, r.via) for r in self.nodes[host].routes]
        routes = []
        for router in self.routers.values():
            gws = [p for p in router.ports if self.switches[p.switch].network is Network.external]
            home = self._on_network_of(host, gws)
            for gw in home:  # a subnet an SNAT hides where it leaves by this port needs none
                inner = [p for p in router.ports if self.switches[p.switch].network is not
                         Network.external and not self._hidden(router, p.ip, gw)]
                routes += [(self.switches[p.switch].cidr, gw.ip) for p in inner]
                if self.nodes[host].address6 and gw.ip6:  # IPv6 is routed, never NATed
                    routes += [(self.switches[p.switch].cidr6, gw.ip6) for p in router.ports
                               if p.ip6 and self.switches[p.switch].network is not
                               Network.external and self.switches[p.switch].cidr6]
        return routes

    def _hidden(self, router: Router, ip: str, way_out: RouterPort) -> bool:
        """Does an SNAT of `router` translate `ip` when it leaves by `way_out`?"""
        snat = self.snat_covers(router, ip)
        return snat is not None and (snat.gateway_port is None or
                                     snat.gateway_port == way_out.switch)

    def _on_network_of(self, host: str, ports: list[RouterPort]) -> list[RouterPort]:
        """The port (of `ports`) on the external network `host` is on; the first otherwise."""
        address = self.nodes[host].address
        ip = ipaddress.ip_interface(address).ip if address else None
        mine = [p for p in ports if ip is not None and p.switch in self.switches
                and ip in ipaddress.ip_network(self.switches[p.switch].cidr)]
        return mine[:1] or ports[:1]

    def snat_covers(self, router: Router, ip: str) -> Nat | None:
        """The SNAT entry of `router` that translates traffic from `ip`, if any."""
        addr = ipaddress.ip_address(ip)
        return next((n for n in router.nat if n.type == "snat" and
                     addr in ipaddress.ip_network(n.logical_ip, strict=False)), None)

    def fip_of(self, vm: str) -> tuple[str, Nat] | None:
        """(router, entry) of a VM's floating IP, if it has one."""
        ip = self.vms[vm].ip
        return next(((r, n) for r, router in self.routers.items() for n in router.nat
                     if n.type == "dnat_and_snat" and n.logical_ip == ip), None)

    def with_nat(self, router: str, index: int, nat: Nat) -> Scenario:
        """A copy with one NAT entry of `router` replaced."""
        r = self.routers[router]
        entries = [nat if i == index else n for i, n in enumerate(r.nat)]
        routers = {**self.routers, router: r.model_copy(update={"nat": entries})}
        return self.model_copy(update={"routers": routers})

    def snat_ip(self, router: str, ip: str) -> str | None:
        """The address `ip` leaves `router`'s gateway with (floating IP, SNAT), or None."""
        r = self.routers[router]
        fip = next((n for n in r.nat if n.type == "dnat_and_snat" and n.logical_ip == ip), None)
        if fip is not None:
            return fip.external_ip
        snat = self.snat_covers(r, ip)
        if snat is None:
            return None
        way_out = r.nat_port(snat) or self.external_port(router)
        return snat.external_ip or (way_out.ip if way_out else None)

    def external_port(self, router: str) -> RouterPort | None:
        """Where `router` meets the outside: its distributed gateway port, or a gateway
        router's port on an external network."""
        r = self.routers[router]
        if r.gateway_port is not None or r.chassis is None:
            return r.gateway_port
        return next((p for p in r.ports if p.switch in self.switches
                     and self.switches[p.switch].network is Network.external), None)

    # --- OVN names of the scenario's objects (plain, or as Neutron's OVN driver names them) --

    # with neutron_ids (Neutron built the logical part), the names are those Neutron gave

    def ls(self, switch: str) -> str:
        got = self.neutron_ids.get(f"network/{switch}")
        return f"neutron-{got}" if got else names.logical_switch(switch, self.settings.naming)

    def lr(self, router: str) -> str:
        got = self.neutron_ids.get(f"router/{router}")
        return f"neutron-{got}" if got else names.logical_router(router, self.settings.naming)

    def lsp(self, vm: str) -> str:
        return self.neutron_ids.get(f"port/{vm}") or names.vm_lsp(vm, self.settings.naming)

    def lb(self, name: str) -> str:
        return names.load_balancer(name, self.settings.naming)

    def localnet(self, switch: str) -> str:
        got = self.neutron_ids.get(f"localnet/{switch}")
        return got or names.localnet_port(switch, self.settings.naming)

    def switch_router_port(self, switch: str, router: str) -> str:
        return self.neutron_ids.get(f"port/{router}/{switch}") or names.switch_router_port(
            switch, router, self.settings.naming)

    def router_port_name(self, router: str, port: RouterPort) -> str:
        got = self.neutron_ids.get(f"port/{router}/{port.switch}")
        return f"lrp-{got}" if got else names.router_port(router, port.switch,
                                                          self.settings.naming)


def with_suite(sc: Scenario, suite: str) -> Scenario:
    """The same scenario with its node image built from another Debian suite."""
    if suite not in SUITES:
        raise ValueError(f"suite '{suite}': one of {', '.join(SUITES)}")
    return sc.model_copy(update={"settings": sc.settings.model_copy(update={"suite": suite})})

