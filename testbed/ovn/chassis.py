"""Physical OVN configuration: the central's remotes and each chassis' bridges and external_ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import names, wiring
from ..model import Role, Scenario
from ..names import NB_PORT, SB_PORT
from ..runtime.base import Node
from . import cluster, pki

UPLINK = names.UPLINK


@dataclass(frozen=True)
class ChassisPlan:
    """What one chassis gets: bridges with their NIC, OVN external_ids, the tunnel address."""

    name: str
    bridges: dict[str, str]  # bridge -> NIC
    external_ids: dict[str, str]
    encap_cidr: str
    encap_nic: str
    encap_mac: str
    other_config: dict[str, str] = field(default_factory=dict)
    overlay_mtu: int | None = None  # br-ovl's, when the scenario sets the overlay's
    tls: bool = False  # ovn-controller takes its key and certificate from OVS's SSL row

    def vsctl(self, datapath: str) -> list[str]:
        """The chassis' bridges and external_ids in one transaction."""
        cmd = ["ovs-vsctl"]
        for bridge, nic in self.bridges.items():
            cmd += ["--", "--may-exist", "add-br", bridge,
                    "--", "set", "Bridge", bridge, f"datapath_type={datapath}",
                    "--", "--may-exist", "add-port", bridge, nic]
        # br-ovl keeps the overlay NIC's MAC, so the overlay network sees one station
        cmd += ["--", "set", "Bridge", "br-ovl", f"other_config:hwaddr={self.encap_mac}"]
        if self.overlay_mtu is not None:  # the tunnel's packets leave through br-ovl's port
            cmd += ["--", "set", "Interface", "br-ovl", f"mtu_request={self.overlay_mtu}"]
        if self.tls:
            cmd += ["--", "set-ssl", pki.KEY, pki.CERT, pki.CA]
        cmd += ["--", "set", "Open_vSwitch", "."]
        cmd += [f"external_ids:{k}={v}" for k, v in self.external_ids.items()]
        cmd += [f"other_config:{k}={v}" for k, v in self.other_config.items()]
        return cmd


def start_central(sc: Scenario, nodes: dict[str, Node],
                  progress: Callable[[str], None] = lambda _: None) -> str:
    """Let NB and SB take clients over TCP; return the (first) central's management address.
    Standalone: on that address only. Clustered: the rows are the cluster's, so each member
    listens on `ptcp:PORT` in its own namespace (its management address and loopback; what
    ovn-ctl does), after `form` made the clusters. settings.probe_interval_ms sets the
    connections' inactivity probe."""
    central = nodes[sc.central]
    ip = central.address("mgmt").ip
    probe_ms = sc.settings.probe_interval_ms
    if sc.clustered:
        cluster.form(sc, nodes, progress, sc.settings.election_timer_ms)
    where = [] if sc.clustered else [f":{ip}"]
    tools = {"ovn-nbctl": NB_PORT, "ovn-sbctl": SB_PORT}
    # a member forwards a write to the leader: the first member's socket takes it either way
    lead = ["--no-leader-only"] if sc.clustered else []
    listen = "pssl" if sc.settings.tls else "ptcp"
    commands = [[tool, *lead, "set-connection", f"{listen}:{port}{''.join(where)}"]
                for tool, port in tools.items()]
    if sc.settings.tls and not sc.clustered:  # a member has its files from its start
        commands = [[tool, "set-ssl", pki.KEY, pki.CERT, pki.CA] for tool in tools] + commands
    if probe_ms is not None:
        commands += [[tool, *lead, "set", "connection", ".", f"inactivity_probe={probe_ms}"]
                     for tool in tools]
    central.run_all(commands)
    return ip


def plan(sc: Scenario, name: str, node: Node, sb_remote: str, encap_nic: str) -> ChassisPlan:
    """`sb_remote`: SB's remotes (cluster.remotes). `encap_nic`: the chassis' NIC on the
    overlay network (from the link inventory: once br-ovl exists it carries the same MAC, so a
    lookup by MAC could find the bridge instead)."""
    overlay = node.address("overlay")
    bridges = {names.provider_bridge(i): names.uplink(i) for i in range(len(sc.physnets))}
    bridges["br-ovl"] = encap_nic
    mappings = [f"{p}:{names.provider_bridge(i)}" for i, p in enumerate(sc.physnets)]
    is_gateway = sc.nodes[name].role is Role.gateway
    if sc.nodes[name].on_external:
        for i, physnet in enumerate(sc.external_physnets):
            bridges[names.external_bridge(i)] = names.external_nic(i)
            mappings.append(f"{physnet}:{names.external_bridge(i)}")
    ids = {
        "ovn-remote": sb_remote,
        "ovn-encap-type": sc.physical.encap,
        "ovn-encap-ip": overlay.ip,
        "ovn-bridge-mappings": ",".join(mappings),
    }
    if is_gateway:
        ids["ovn-cms-options"] = "enable-chassis-as-gw"
    if sc.settings.transport_zones == "per-compute":  # a compute's own zone; gateways: all
        computes = sc.nodes_with(Role.compute)
        ids["ovn-transport-zones"] = ",".join(
            names.transport_zone(c) for c in ([name] if name in computes else computes))
    if sc.settings.probe_interval_ms is not None:
        ids["ovn-remote-probe-interval"] = str(sc.settings.probe_interval_ms)
    other = {}
    if sc.settings.max_revalidator_ms is not None:
        other["max-revalidator"] = str(sc.settings.max_revalidator_ms)
    return ChassisPlan(name, bridges, ids, overlay.cidr, encap_nic, overlay.mac, other,
                       sc.physical.mtu.get("overlay"), sc.settings.tls)


def plug(ports: dict[str, str], timeout: float) -> list[str]:
    """VM ports (OVS port -> logical port) on br-int in one transaction, which first waits in
    the chassis' OVSDB for ovn-controller to have made br-int."""
    argv = ["ovs-vsctl", f"--timeout={int(timeout)}", "wait-until", "Bridge", "br-int"]
    for port, lsp in ports.items():
        argv += ["--", "--may-exist", "add-port", "br-int", port, "--", "set", "Interface", port,
                 f"external_ids:iface-id={lsp}"]
    return argv


def configure(node: Node, chassis: ChassisPlan, datapath: str,
              ports: dict[str, str] | None = None, timeout: float = 90) -> None:
    """Create the bridges, point ovn-controller at SB, plug `ports` (plug()) once br-int is
    there, all in one command, then move the tunnel address onto br-ovl.

    The userspace datapath only routes geneve when the tunnel address sits on an OVS bridge's
    internal port. Bridged NICs keep no address (Docker gave the overlay one).
    """
    # TX checksum offload on veths breaks TCP through the userspace datapath
    offload = [["ethtool", "-K", nic, "tx", "off"] for nic in chassis.bridges.values()]
    links = [["ip", "link", "set", dev, "up"] for pair in chassis.bridges.items() for dev in pair]
    then = [plug(ports, timeout)] if ports is not None else []
    node.run_all([*offload, chassis.vsctl(datapath), *links, *then])
    wiring.move_address(node.netns, "br-ovl", chassis.encap_cidr, list(chassis.bridges.values()))
