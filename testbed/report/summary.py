"""What a running testbed looks like: collected from the live daemons, rendered with rich."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from .. import names
from ..features import Choices
from ..model import Scenario
from ..ovn import cluster
from ..ovn.db import SbApi
from ..parallel import each
from ..runtime import ovnbuild
from ..runtime.base import Node
from ..tor import Tor


def collect(name: str, sc: Scenario, nodes: dict[str, Node], sb: SbApi | None, choices: Choices,
            tor: Tor, timings: dict[str, float], links: list[dict] | None = None,
            unreachable: dict[str, str] | None = None) -> dict:
    """A JSON-able snapshot: nodes, SB chassis, logical topology, VM bindings, ToR MAC table.
    `sb` None: SB does not answer; what comes from it is left out and `unreachable` says why."""
    sb_chassis = {c.uuid: c for c in sb.chassis_list().execute(check_error=True)} if sb else {}
    bindings = {pb.logical_port: (sb_chassis[pb.chassis[0].uuid].name if pb.chassis else None)
                for pb in sb.db_list_rows("Port_Binding").execute(check_error=True)} if sb else {}
    chassis_rows = []
    for ch in sorted(sb_chassis.values(), key=lambda c: c.name):
        ids = dict(ch.other_config)
        chassis_rows.append({
            "name": ch.name, "hostname": ch.hostname,
            "encap_ip": ", ".join(e.ip for e in ch.encaps),
            "gateway": "enable-chassis-as-gw" in ids.get("ovn-cms-options", ""),
            "mappings": ids.get("ovn-bridge-mappings", ""),
        })
    daemons = [n for n in sc.nodes if n in sc.centrals or n in sc.chassis]
    running = [n for n in daemons if n in nodes and nodes[n].status == "running"]
    found = dict(zip(running, each(lambda n: ovnbuild.versions(nodes[n]), running), strict=True))
    node_rows = []
    for node_name, node in sc.nodes.items():
        live = nodes.get(node_name)
        node_rows.append({"name": node_name, "role": node.role.value,
                          "container": live.container_name if live else "-",
                          "status": live.status if live else "missing",
                          "versions": found.get(node_name, ""),
                          "ovn_from": _origin(sc, node_name) if node_name in daemons else ""})
    routers = []
    for rname, router in sc.routers.items():
        for port in router.ports:
            lrp = sc.router_port_name(rname, port)
            routers.append({
                "router": rname, "port": lrp, "switch": port.switch, "mac": port.mac,
                "ip": port.ip,
                "gateway_chassis": ", ".join(f"{c}:{p}" for c, p in port.gateway_chassis.items()),
                "active_on": bindings.get(names.chassisredirect_port(lrp)) if port.gateway_chassis else None,
            })
    vms = [{"name": v, "switch": vm.switch, "vlan": sc.switches[vm.switch].vlan, "ip": vm.ip,
            "mac": vm.mac, "placed_on": vm.chassis, "bound_to": bindings.get(v)}
           for v, vm in sc.vms.items()]
    return {
        "testbed": name, "description": sc.description, "encap": sc.physical.encap,
        "datapath": choices.datapath, "tor_backend": choices.tor_backend,
        "why": choices.why, "versions": found.get(sc.chassis[0], ""),
        "nodes": node_rows, "chassis": chassis_rows,
        "switches": [{"name": n, "cidr": s.cidr, "vlan": s.vlan, "network": s.network.value}
                     for n, s in sc.switches.items()],
        "router_ports": routers, "vms": vms,
        "tor_fdb": [e.__dict__ for e in tor.fdb()], "mac_moves": tor.mac_moves(),
        "timings": timings, "links": links or [], "unreachable": dict(unreachable or {}),
        "cluster": cluster.overview(sc, nodes) if sc.clustered or sc.relays else [],
    }


def _origin(sc: Scenario, node: str) -> str:
    build = sc.ovn_for(node)
    if build is None:
        return f"Debian {sc.settings.suite}"
    return f"{'source' if build.source else 'prefix'} {build.path}"


def render(snap: dict, console: Console | None = None) -> None:
    console = console or Console(emoji=False, width=None if sys.stdout.isatty() else 140)
    console.rule(f"[bold]testbed {snap['testbed']}[/] - {snap['description']}")
    console.print(f"datapath [bold]{snap['datapath']}[/], ToR [bold]{snap['tor_backend']}[/] "
                  f"({snap['why']}); {snap['versions']}")
    for database, why in snap.get("unreachable", {}).items():
        console.print(f"[bold red]{database.upper()} unreachable[/]: {why}; what comes from it "
                      "(chassis, bindings, active gateways) is not shown")
    _table(console, "Nodes", snap["nodes"], ["name", "role", "container", "status", "versions",
                                             "ovn_from"])
    if snap.get("cluster"):
        _table(console, "Control plane: NB and SB clusters, northd (`testbed cluster`)",
               [{"member": r["member"], "address": r["address"], "nb": member_view(r["nb"]),
                 "sb": member_view(r["sb"]), "northd": r["northd"]} for r in snap["cluster"]],
               ["member", "address", "nb", "sb", "northd"])
    _table(console, "Chassis registered in SB", snap["chassis"],
           ["name", "hostname", "encap_ip", "gateway", "mappings"])
    _table(console, "Logical switches", snap["switches"], ["name", "cidr", "vlan", "network"])
    _table(console, "Router ports", snap["router_ports"],
           ["router", "port", "switch", "mac", "ip", "gateway_chassis", "active_on"])
    _table(console, "VMs", snap["vms"],
           ["name", "switch", "vlan", "ip", "mac", "placed_on", "bound_to"])
    _table(console, f"ToR MAC table (MAC moves: {snap['mac_moves']})", snap["tor_fdb"],
           ["vlan", "mac", "port", "age"])
    if snap.get("links"):
        _table(console, "Links (captured by walks unless control-only)",
               [{"name": lk["name"], "kind": lk["kind"] + (f" {lk['network']}" if lk["network"] else ""),
                 "ends": ", ".join(f"{e['node']}:{e['ifname']}" for e in lk["ends"])}
                for lk in snap["links"]], ["name", "kind", "ends"])
    if snap["timings"]:
        total = sum(snap["timings"].values())
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in snap["timings"].items())
        console.print(f"bring-up: {total:.1f} s ({phases})")


def member_view(view: dict | None) -> str:
    """One member's view of a database: role and term, its status unless it is a member."""
    if view is None:
        return "down (no answer)"
    if view["role"] in ("-", "standalone"):
        return view["role"]
    if view["role"] == "relay":
        return f"relay ({view['status']})"
    return f"{view['role']}, term {view['term']}" + (
        "" if view["status"] == "cluster member" else f" ({view['status']})")


def _table(console: Console, title: str, rows: list[dict], columns: list[str]) -> None:
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        table.add_column(col.replace("_", " "))
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)
