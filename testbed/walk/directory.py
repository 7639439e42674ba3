"""Names for what a walk sees: every MAC, IP, VNI and tunnel port key, from the model and the DBs."""

from __future__ import annotations

from .. import wiring
from ..model import Network, Scenario
from ..model.ipv6 import link_local
from ..names import VM_NIC
from ..ovn.db import SbApi
from ..runtime.base import Node

BROADCAST = "ff:ff:ff:ff:ff:ff"
BFD_MAC = "00:23:20:00:00:01"


def directory(sc: Scenario, nodes: dict[str, Node], sb: SbApi | None) -> dict[str, str]:
    """value (lower-case MAC or IP, 'vni:N', 'port:VNI:KEY') -> what it is, in words."""
    names: dict[str, str] = {BROADCAST: "broadcast", BFD_MAC: "BFD (OVS)"}
    for vname, vm in sc.vms.items():
        names[vm.mac] = vname
        names[vm.ip] = vname
        if vm.ip6:
            names[vm.ip6] = names[link_local(vm.mac)] = vname
    for rname, router in sc.routers.items():
        for port in router.ports:
            what = f"{rname}'s port on {port.switch} ({sc.router_port_name(rname, port)})"
            names[port.mac] = what
            names[port.ip] = what
            if port.ip6:
                names[port.ip6] = names[link_local(port.mac)] = what
    for name, node in sc.nodes.items():
        if node.chassis_mac:
            names[node.chassis_mac] = f"{name}'s chassis MAC"
        live = nodes.get(name)
        for address in (node.address, node.address6):
            if address:
                names[address.split("/")[0]] = name
        if node.address:
            if live is not None:
                names[wiring.mac_of(live.netns, VM_NIC)] = name
        if live is None:
            continue
        try:
            info = live.address("overlay")
        except KeyError:
            continue
        names.setdefault(info.mac.lower(), f"{name}'s tunnel endpoint")
        names.setdefault(info.ip, f"{name}'s tunnel endpoint")
    if sb is not None:
        names.update(logical_keys(sb))
    for sw_name, sw in sc.switches.items():
        if sw.network is Network.external:
            names.setdefault(f"switch:{sw_name}", sw_name)
    return names


def logical_keys(sb: SbApi) -> dict[str, str]:
    """'vni:N' -> datapath name and 'port:N:K' -> logical port, from SB tunnel keys."""
    out: dict[str, str] = {}
    datapaths = {}
    for dp in sb.db_list_rows("Datapath_Binding").execute(check_error=True):
        ids = dict(dp.external_ids)
        name = ids.get("name") or ids.get("logical-switch") or ids.get("logical-router") or str(dp.uuid)
        datapaths[dp.uuid] = (dp.tunnel_key, name)
        out[f"vni:{dp.tunnel_key}"] = name
    for pb in sb.db_list_rows("Port_Binding").execute(check_error=True):
        key, _ = datapaths.get(pb.datapath.uuid, (None, None))
        if key is not None:
            out[f"port:{key}:{pb.tunnel_key}"] = pb.logical_port
    return out
