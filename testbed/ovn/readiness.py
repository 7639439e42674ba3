"""Readiness of a testbed, waited for (never slept): each check names what is still missing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import TypeVar

from ovsdbapp.exceptions import TimeoutException

from .. import names, wait
from ..errors import DatabaseDown
from ..model import Scenario
from ..parallel import each
from ..runtime.base import Node
from . import cluster, pki
from .db import NbApi, SbApi

T = TypeVar("T")
TIMEOUT = 90.0


# Waits inside the node for node-init's marker (a fixed script, no values in it): one command
# per node that returns the moment its daemons are started, instead of rounds of execs. The
# marker names node-init's PID and start time, and counts only while that process runs: one
# left from before a restart (seen: 90 s of "Connection refused" after a restarted gateway's
# stale marker let the harness talk to OVSDB before ovsdb-server was up) does not.
_READY = ["timeout", str(int(TIMEOUT)), "sh", "-c",
          "until read -r pid start < /run/node-ready 2>/dev/null && "
          "[ \"$(cut -d' ' -f22 /proc/$pid/stat 2>/dev/null)\" = \"$start\" ]; "
          "do sleep 0.05; done"]


def nodes_started(nodes: dict[str, Node]) -> None:
    results = each(lambda node: node.run(_READY, check=False), nodes.values(),
                   workers=max(8, min(len(nodes), 32)))
    late = [n for n, r in zip(nodes, results, strict=True) if not r.ok]
    if late:
        raise wait.WaitTimeout(f"timed out after {TIMEOUT:.0f} s waiting for containers to start "
                               f"their daemons; still missing: node-init's /run/node-ready on "
                               f"{', '.join(late)}")


def bridge_present(nodes: dict[str, Node], names: list[str], bridge: str) -> None:
    """Each chassis' OVSDB has the bridge: `ovs-vsctl wait-until` blocks on the database
    (one command per chassis, answered the moment the row exists)."""
    ovsdb_wait(nodes, {n: [["Bridge", bridge]] for n in names}, f"{bridge} on every chassis")


def ovsdb_wait(nodes: dict[str, Node], conditions: dict[str, list[list[str]]], what: str,
               timeout: float = TIMEOUT) -> None:
    """Per node, `ovs-vsctl wait-until TABLE RECORD [COLUMN=VALUE...]` for each condition, all
    in one command: it returns when every one holds in that node's OVSDB."""
    def one(node: str):
        argv = ["ovs-vsctl", f"--timeout={max(1, int(timeout))}"]
        for cond in conditions[node]:
            argv += ["--", "wait-until", *cond]
        return nodes[node].run(argv, check=False)
    waiting = [n for n in conditions if conditions[n]]
    results = each(one, waiting, workers=max(8, min(len(waiting), 32)))
    failed = {n: r for n, r in zip(waiting, results, strict=True) if not r.ok}
    if failed:
        raise wait.WaitTimeout(
            f"timed out after {timeout:.0f} s waiting for {what}; still missing: " + ", ".join(
                f"{n}: {' and '.join(' '.join(c) for c in conditions[n])} "
                f"({r.stderr.strip()[-200:]})" for n, r in failed.items()))


def ports_installed(nodes: dict[str, Node], ports: dict[str, list[str]]) -> None:
    """ovn-controller has installed the flows of these OVS ports (external_ids:ovn-installed):
    a port added again keeps its Port_Binding `up` from before, so that cannot be waited on."""
    def missing():
        out = []
        for chassis, names_ in ports.items():
            for port in names_:
                got = nodes[chassis].run(["ovs-vsctl", "--if-exists", "get", "Interface", port,
                                          "external_ids:ovn-installed"], check=False)
                if got.stdout.strip() != '"true"':
                    out.append(f"{chassis}:{port} installed by ovn-controller")
        return out
    wait.until("ovn-controller to install the re-made ports", missing, TIMEOUT, interval=0.1)


def connect(factory: Callable[[], T], what: str, timeout: float = TIMEOUT) -> T:
    """An OVSDB client made by `factory`, retried while the server refuses; DatabaseDown when
    it still refuses after `timeout` seconds."""
    result: list[T] = []

    def missing():
        try:
            result.append(factory())
        except Exception as exc:  # ovsdbapp raises a bare Exception when the server refuses
            if "Could not retrieve schema" in str(exc):
                raise wait.NotYet(str(exc)) from exc
            raise
        return []
    try:
        wait.until(f"a connection to {what}", missing, timeout, interval=0.5)
    except wait.WaitTimeout as exc:
        raise DatabaseDown(f"{what} does not answer (waited {timeout:g} s): is its "
                           "ovsdb-server running? (`testbed fault ls`, `testbed show`)") from exc
    return result[-1]


def tunnels(node: Node) -> list[dict]:
    """The chassis' tunnel ports on br-int (geneve or vxlan): name, remote_ip, bfd state."""
    out = node.exec(["ovs-vsctl", "--format=json", "--columns=name,type,options,bfd_status",
                     "list", "Interface"])
    if not out.strip():  # seen once while a node caught up after a fault: exit 0, no output
        raise wait.NotYet(f"ovs-vsctl on {node.name} printed nothing")
    rows = []
    for name, kind, options, bfd in json.loads(out)["data"]:
        if kind not in ("geneve", "vxlan"):
            continue
        opts, status = dict(options[1]), dict(bfd[1])
        rows.append({"name": name, "remote_ip": opts.get("remote_ip"),
                     "bfd": status.get("state")})
    return rows


def chassis_registered(sc: Scenario, sb: SbApi, timeout: float = TIMEOUT) -> None:
    """Every chassis of the scenario has its Chassis row in SB (read from the IDL's copy)."""
    def missing() -> list[str]:
        registered = {c.name for c in sb.chassis_list().execute(check_error=True)}
        return [f"chassis {c} in SB" for c in sc.chassis if c not in registered]
    with sb.changes("Chassis") as changed:
        wait.until("chassis to register in SB", missing, timeout, interval=1.0, wake=changed)


def wait_all(sc: Scenario, nodes: dict[str, Node], nb: NbApi, sb: SbApi,
             progress: Callable[[str], None], timeout: float = TIMEOUT) -> None:
    """Wait for the OVN side of a testbed: chassis, ports, tunnels, gateway ports, BFD (each
    within `timeout` seconds)."""
    chassis = sc.chassis

    def chassis_missing():
        registered = {c.name for c in sb.chassis_list().execute(check_error=True)}
        return [f"chassis {c} in SB" for c in chassis if c not in registered]

    def ports_missing():
        return [f"port {vm} up" for vm in sc.vms
                if nb.lsp_get(sc.lsp(vm)).execute(check_error=True).up != [True]]

    complete: set[str] = set()  # tunnels stay once made: a chassis with all is not asked again

    def tunnels_missing():
        asked = [c for c in chassis if c not in complete]
        have = dict(zip(asked, each(lambda c: len(tunnels(nodes[c])), asked), strict=True))
        want = {c: len(sc.tunnel_peers(c)) for c in asked}  # settings.transport_zones
        complete.update(c for c, n in have.items() if n >= want[c])
        return [f"{want[c] - n} tunnels on {c}" for c, n in have.items() if n < want[c]]

    def gateways_missing():
        out = []
        for lrp in gateway_ports(sc):
            cr = names.chassisredirect_port(lrp)
            rows = sb.db_find_rows("Port_Binding", ("logical_port", "=", cr)).execute(
                check_error=True)
            if not rows or not rows[0].chassis:
                out.append(f"{cr} bound to a gateway chassis")
        return out

    # BFD runs between the chassis that share a gateway port (an HA group of two or more)
    gws = sorted({c for router in sc.routers.values() for p in router.ports
                  if len(p.gateway_chassis) > 1 for c in p.gateway_chassis})
    gw_ips = {nodes[n].address("overlay").ip for n in gws}

    bfd_fine: set[str] = set()

    def bfd_missing():
        if len(gws) < 2:
            return []
        out = []
        asked = [c for c in chassis if c not in bfd_fine]
        seen = dict(zip(asked, each(lambda c: tunnels(nodes[c]), asked), strict=True))
        for gw in gws:
            down = [t["name"] for t in seen[gw] if t["remote_ip"] in gw_ips and t["bfd"] != "up"]
            out += [f"BFD up on {gw}:{name}" for name in down]
        # every other chassis that runs BFD towards a gateway has it up too
        for c in (c for c in asked if c not in gws):
            to_gws = [t for t in seen[c] if t["remote_ip"] in gw_ips]
            if to_gws and all(t["bfd"] == "up" for t in to_gws):
                bfd_fine.add(c)  # up stays up while nothing fails: not asked again
            out += [f"BFD up on {c}:{t['name']}" for t in to_gws if t["bfd"] not in (None, "up")]
        return out

    # the database-backed checks run again as soon as their tables change; the chassis'
    # tunnels and BFD live in each chassis' own OVSDB and are asked every 0.1 s
    def gateway_bfd() -> None:  # blocks in each gateway's OVSDB until its sessions are up
        seen = dict(zip(gws, each(lambda c: tunnels(nodes[c]), gws), strict=True))
        ovsdb_wait(nodes, {gw: [["Interface", t["name"], "bfd_status:state=up"] for t in seen[gw]
                                if t["remote_ip"] in gw_ips] for gw in gws},
                   "BFD between gateway chassis")

    for what, probe, api, tables in (
            ("chassis to register in SB", chassis_missing, sb, ("Chassis",)),
            ("VM ports to come up", ports_missing, nb, ("Logical_Switch_Port",)),
            (f"{sc.physical.encap} tunnels between chassis", tunnels_missing, None, ()),
            ("gateway ports to be bound", gateways_missing, sb, ("Port_Binding",)),
            ("BFD between gateway chassis", bfd_missing, None, ())):
        if probe is bfd_missing and len(gws) > 1:
            started = time.monotonic()
            gateway_bfd()  # then the probe below checks the rest once
            progress(f"  ready: BFD sessions on the gateways ({time.monotonic() - started:.2f} s)")
        with api.changes(*tables) if api else nullcontext() as flag:
            try:
                seconds = wait.until(what, probe, timeout, interval=0.5 if flag else 0.1,
                                     transient=(*wait.TRANSIENT, TimeoutException), wake=flag)
            except wait.WaitTimeout as exc:
                if probe is not chassis_missing:
                    raise
                raise wait.WaitTimeout(f"{exc}{unregistered(sc, nodes, chassis_missing())}") \
                    from exc
        progress(f"  ready: {what} ({seconds:.2f} s)")


def unregistered(sc: Scenario, nodes: dict[str, Node], missing: list[str]) -> str:
    """Why chassis did not register, as their ovn-controllers say it (the last line naming
    SSL or the connection) and, with TLS, the certificate each presents."""
    out = []
    for name in (m.split()[1] for m in missing if m.startswith("chassis ")):
        said = nodes[name].run(["sh", "-c", 'log=/var/log/ovn/ovn-controller.log; '
                                'l=$(grep "|stream_ssl|WARN|.*alert" $log | tail -n 1); '
                                '[ -n "$l" ] || l=$(grep "|stream_ssl|WARN|" $log | tail -n 1); '
                                '[ -n "$l" ] || l=$(grep "|reconnect|WARN|" $log | tail -n 1); '
                                'echo "$l"'], check=False)
        line = said.stdout.strip().split("|")[-1] or "nothing about its connection"
        why = f"{name}'s ovn-controller says: {line}"
        if sc.settings.tls:
            cert = nodes[name].run(["cat", pki.CERT], check=False)
            why += f"; its certificate: {pki.subject(cert.stdout)}" if cert.ok else \
                f"; it has no certificate at {pki.CERT}"
        out.append(why)
    return "".join(f"\n  {w}" for w in out)


def gateway_ports(sc: Scenario) -> list[str]:
    return [sc.router_port_name(r, p) for r, router in sc.routers.items() for p in router.ports
            if p.gateway_chassis]



def chassis_caught_up(sc: Scenario, nodes: dict[str, Node], timeout: float = 30) -> None:
    """Every chassis has applied what NB holds now (`ovn-nbctl --wait=hv sync` in the central
    node, on the cluster's leader when clustered): the one home of that wait after a live
    change."""
    nodes[sc.central].exec([*cluster.tool(sc, nodes, "ovn-nbctl"), f"--timeout={int(timeout)}",
                            "--wait=hv", "sync"])
