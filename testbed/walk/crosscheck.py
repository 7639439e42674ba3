"""Run ovn-trace and ofproto/trace for each leg of a walk and compare them with the capture."""

from __future__ import annotations

import re
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from ..model import Role
from ..ovn.semantics import ingress_port
from . import trace
from .hops import Hop
from .model import Check, Leg, Walk

if TYPE_CHECKING:
    from ..lab import Lab

SB_SOCKET = "unix:/run/ovn/ovnsb_db.sock"


def first_chassis_ingress(lab: Lab, leg: Leg) -> tuple[Hop, Hop | None] | None:
    """The hop where the leg entered its first chassis, and the hop where it left that chassis."""
    chassis = set(lab.scenario.chassis)
    for i, h in enumerate(leg.hops):
        if h.node in chassis and h.direction == "in":
            out = next((o for o in leg.hops[i + 1:] if o.node == h.node and o.direction == "out"),
                       None)
            return h, out
    return None


def _ovn_trace(lab: Lab, leg: Leg, lb_dst: str | None = None) -> trace.OvnTrace | None:
    """`lb_dst`: the backend (IP:port) a load balancer chose, as the capture shows it."""
    ingress = ingress_port(lab.scenario, leg.source)
    first = next((h for h in leg.hops if h.node == leg.source and h.direction == "out"), None)
    if ingress is None or first is None:
        return None
    datapath, inport = ingress
    # ovn-trace has no connection tracking: a reply is traced as part of an established
    # connection (what conntrack says on the wire), a request as a new one (its default);
    # one --ct per ct_next (the ingress and the egress pipeline each look)
    ct = ["--ct=trk,est,rpl"] * 2 if leg.name == "reply" else []
    ct += [f"--lb-dst={lb_dst}"] if lb_dst and leg.name == "request" else []
    db = [] if lab.scenario.clustered else [f"--db={SB_SOCKET}"]
    argv = [*lab.tool("ovn-trace"), *db, "--detailed", *ct, datapath,
            trace.ovn_microflow(inport, first.frame)]
    result = lab.nodes[lab.scenario.central].run(argv, check=False)
    return trace.parse_ovn_trace(result.stdout + result.stderr, argv)


def _ofproto_trace(lab: Lab, leg: Leg) -> trace.OfprotoTrace | None:
    found = first_chassis_ingress(lab, leg)
    if found is None:
        return None
    hin, _ = found
    if hin.tunnelled:  # entering through a tunnel: the trace would need its metadata
        return None
    node = lab.nodes[hin.node]
    bridge = node.run(["ovs-vsctl", "port-to-br", hin.ifname], check=False).stdout.strip()
    if not bridge:
        return None
    ports = trace.parse_dp_ports(node.exec(["ovs-appctl", "dpctl/show"]))
    argv = ["ovs-appctl", "ofproto/trace", bridge, trace.ofproto_flow(hin.ifname, hin.frame)]
    result = node.run(argv, check=False)
    return trace.parse_ofproto_trace(result.stdout + result.stderr, ports, argv,
                                     hin.frame.length)


def run_traces(lab: Lab, w: Walk, pool: Executor,
               ovn_trace: bool = True) -> tuple[dict, list[Check]]:
    """ovn-trace (unless SB is down: `ovn_trace` False) and ofproto/trace of each leg that was
    seen, and their checks against the capture."""
    futures = {}
    for leg in (w.request, w.reply):
        if leg.seen:
            if ovn_trace:
                lb_dst = w.balanced.address if w.balanced else None
                futures[f"ovn-trace {leg.name}"] = pool.submit(_ovn_trace, lab, leg, lb_dst)
            futures[f"ofproto/trace {leg.name}"] = pool.submit(_ofproto_trace, lab, leg)
    traces = {k: f.result() for k, f in futures.items()}
    traces = {k: v for k, v in traces.items() if v is not None}
    checks: list[Check] = []
    asked = {where.split(":", 1)[0] for where, f in w.background  # nodes that sent ARP
             if f.packet.kind == "arp" and f.packet.arp_op == 1}   # requests meanwhile
    for leg in (w.request, w.reply):
        checks += compare(lab, leg, traces.get(f"ovn-trace {leg.name}"),
                          traces.get(f"ofproto/trace {leg.name}"), asked)
    return traces, checks


def conntrack_notes(lab: Lab, w: Walk) -> list[str]:
    """Where ofproto/trace shows the packet going through conntrack (its zones: where the
    connection's state lives), and where the trace stops at a recirculation."""
    notes = []
    for leg in (w.request, w.reply):
        of = w.traces.get(f"ofproto/trace {leg.name}")
        found = first_chassis_ingress(lab, leg)
        if of is None or of.error or found is None:
            continue
        node, a = found[0].node, of.actions
        if a.ct_zones:
            zones = ", ".join(str(z) for z in dict.fromkeys(a.ct_zones))
            notes.append(f"the {leg.name} goes through conntrack on {node}: zone {zones} "
                         "(ofproto/trace): the connection's state lives there")
        if a.recirculates and not a.outputs:
            notes.append(f"ofproto/trace of the {leg.name} on {node} stops where the datapath "
                         "looks again after conntrack or a load balancer's choice by hash "
                         f"({a.text[-60:]}): its OpenFlow side is compared no further")
    return notes


def vlan_after(a: trace.DatapathActions, vlan_in: int | None) -> int | None:
    """The VLAN the datapath actions leave the frame with (none inside a tunnel)."""
    if a.push_vlan is not None:
        return a.push_vlan
    if a.pop_vlan or a.tunnel_dst:
        return None
    return vlan_in


def _fmt(value) -> str:
    return "none" if value is None else str(value)


def compare(lab: Lab, leg: Leg, ovn: trace.OvnTrace | None, of: trace.OfprotoTrace | None,
            asked: frozenset[str] | set[str] = frozenset()) -> list[Check]:
    """Where the traces and the capture can be compared, one Check each. `asked`: the nodes
    on whose interfaces the capture saw ARP requests while the walk ran."""
    checks = []
    if ovn is not None and ovn.resolving is not None and not leg.delivered and leg.last_seen:
        # the trace's output port is the ARP request's; compare what became of the packet:
        # consumed where it was last seen, an ARP request sent from there instead
        step, node = ovn.resolving, leg.last_seen.node
        checks.append(Check(f"{leg.name}: replaced by an ARP request on {node} ({step.where} "
                            f"{step.stage})", "yes", "yes" if node in asked else "no ARP "
                            f"request seen on {node}"))
    elif ovn is not None and ovn.outport is not None:
        checks.append(Check(f"{leg.name}: logical output port", ovn.outport,
                            friendly(lab, delivered_port(lab, leg))))
    elif ovn is not None and ovn.dropped_by is not None:  # an ACL dropped it inside OVN
        acl = ovn.dropped_by  # (other ends inside OVN can be ovn-trace's own limits, e.g. a
        checks.append(Check(  # gateway port it cannot place without --chassis: not compared)
            f"{leg.name}: delivered (trace: dropped by an ACL, {acl.where} {acl.stage})",
            "no", "yes" if leg.delivered else "no"))
    found = first_chassis_ingress(lab, leg)
    if of is None or found is None:
        return checks
    hin, hout = found
    if of.error:
        checks.append(Check(f"{leg.name}: ofproto/trace on {hin.node}", f"failed: {of.error}",
                            "a trace to compare with"))
        return checks
    a = of.actions
    where = f"{leg.name}: leaving {hin.node}"
    if a.recirculates and not a.outputs:  # conntrack or a load balancer's hash decides next:
        return checks                      # the trace cannot follow (said in the walk's notes)
    if hout is None:  # the capture cannot tell a drop from a packet kept by ovn-controller
        forwarded = "yes" if a.verdict == "forwarded" else "no"
        checks.append(Check(f"{where}: forwarded (trace: {a.verdict}; capture: not seen "
                            "leaving)", forwarded, "no"))
        return checks
    pkt_in = hin.frame.packet
    encap = lab.scenario.physical.encap
    tunnel_trace = f"{encap} to {a.tunnel_dst}" if a.tunnel_dst else "no"
    tunnel_seen = f"{hout.encap.kind} to {hout.encap.outer_dst_ip}" if hout.encap else "no"
    checks += [
        Check(f"{where}: tunnel", tunnel_trace, tunnel_seen),
        Check(f"{where}: VLAN", _fmt(vlan_after(a, pkt_in.vlan)),
              _fmt(hout.vlan if not hout.encap else None)),
        Check(f"{where}: eth.src", a.eth_src or pkt_in.eth_src, hout.eth_src),
        Check(f"{where}: eth.dst", a.eth_dst or pkt_in.eth_dst, hout.eth_dst),
        Check(f"{where}: TTL", _fmt(a.ttl if a.ttl is not None else pkt_in.ttl), _fmt(hout.ttl)),
        Check(f"{where}: output interface", ",".join(wired_outputs(lab, hin.node, a.outputs))
              or "none", hout.ifname),
    ]
    return checks


def wired_outputs(lab: Lab, node: str, outputs: list[str]) -> list[str]:
    """The trace's output interfaces a capture can see: the node's link ends. A flood (the
    provider bridge has not learned the destination yet) also goes to the bridge's own
    internal port, which is on no link."""
    wired = {e.ifname for e in lab.links.capture_points() if e.node == node}
    return [o for o in outputs if o in wired]


_UUID = re.compile(r"([0-9a-f]{6})[0-9a-f]{2}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def friendly(lab: Lab, port: str) -> str:
    """A logical port as ovn-trace names it: the name its Port_Binding carries in external_ids
    (Neutron's port name), else its own with every UUID in it cut to 6 digits."""
    for row in lab.sb.idl.tables["Port_Binding"].rows.values():
        if row.logical_port == port and row.external_ids.get("name"):
            return row.external_ids["name"]
    return _UUID.sub(r"\1", port)


def delivered_port(lab: Lab, leg: Leg) -> str:
    """The logical port the capture saw the leg delivered to, in ovn-trace's terms."""
    sc = lab.scenario
    if not leg.delivered or leg.target is None:
        last = leg.last_seen
        return f"not delivered (last seen {last.where} {last.direction})" if last else "not seen"
    if leg.target in sc.vms:
        return sc.lsp(leg.target)
    if sc.nodes[leg.target].role is Role.external:
        ingress = ingress_port(sc, leg.target)
        return ingress[1] if ingress else leg.target
    return sc.localnet(leg.target)
