"""One walk: capture on every link, send the probe, rebuild the legs, read the ToR, run the traces.

    walk = tb.walk("vm1", "vm4")                 # ICMP
    walk = tb.walk("vm1", "ext", proto="tcp", port=22)
"""

from __future__ import annotations

import ipaddress
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..command import CommandResult
from ..errors import TestbedError
from ..links import Endpoint
from ..model import Role, Scenario
from ..model.ipv6 import dynamic, link_local
from ..observe import backlog, journal
from ..observe.capture import CaptureSet
from ..observe.frames import Frame
from . import balance, holdup, sizes, tortable
from . import hops as H
from .directory import directory
from .model import Leg, TorTable, Walk
from .probe import TIMEOUT as PROBE_TIMEOUT
from .probe import Mark, Probe

if TYPE_CHECKING:
    from ..lab import Lab


def host_ip(sc: Scenario, name: str, ipv6: bool = False) -> str | None:
    """A host's address: IPv4, or with `ipv6` its IPv6 one (None where it has none)."""
    return sc.host_ip(name, ipv6)


def owner_of(sc: Scenario, ip: str) -> str | None:
    """The host an address leads to: its own, or the VM behind a floating IP."""
    fip = next((n.logical_ip for r in sc.routers.values() for n in r.nat
                if n.type == "dnat_and_snat" and n.external_ip == ip), None)
    ip = fip or ip
    return next((n for n in [*sc.vms, *sc.nodes]
                 if ip in (host_ip(sc, n), host_ip(sc, n, ipv6=True))), None)


def resolve(sc: Scenario, source: str, destination: str,
            ipv6: bool = False) -> tuple[str, str, str | None]:
    """(source IP, destination IP, destination node or None for a bare address); `ipv6`, or
    an IPv6 destination address, walks IPv6 (the hosts' ip6)."""
    ipv6 = ipv6 or ":" in destination
    hosts = sorted(n for n in [*sc.vms, *sc.nodes] if host_ip(sc, n, ipv6))
    src_ip = host_ip(sc, source, ipv6)
    if src_ip is None:
        raise ValueError(f"walk source {source!r} is not a host of this testbed"
                         f"{' with an IPv6 address' if ipv6 else ''}; hosts: {', '.join(hosts)}")
    dst_ip = host_ip(sc, destination, ipv6)
    if dst_ip is not None:
        return src_ip, dst_ip, destination
    if destination in sc.load_balancers:  # its VIP; where it ends is the backend chosen
        return src_ip, sc.load_balancers[destination].vip, None
    try:
        ipaddress.ip_address(destination)
    except ValueError:
        raise ValueError(f"walk destination {destination!r} is neither a host of this testbed, "
                         f"a load balancer nor an IP address; hosts: {', '.join(hosts)}"
                         + (f"; load balancers: {', '.join(sc.load_balancers)}"
                            if sc.load_balancers else "")) from None
    return src_ip, destination, owner_of(sc, destination)


def resolving_notes(background: list, dst_ip: str, path: list[str]) -> list[str]:
    """A probe lost while its next hop was being resolved: ARP requests (IPv6: neighbour
    solicitations) for the destination (or a tunnel's remote endpoint) seen meanwhile on the
    nodes the probe crossed say why, and that a second walk will pass. Requests elsewhere are
    other hosts' business, not this probe's."""
    asked: dict[str, str] = {}  # address -> where its first request was seen
    for where, f in background:
        p = f.packet
        target = (p.ip_dst if p.kind == "arp" and p.arp_op == 1 else
                  p.nd_target if p.proto == "icmp6" and p.icmp_type == 135 else None)
        if target and (target == dst_ip or where.split(":", 1)[0] in path):
            asked.setdefault(target, where)
    if dst_ip in asked:  # the destination itself was being resolved: that is the story
        asked = {dst_ip: asked[dst_ip]}
    if not asked:
        return []
    who = ", ".join(f"{ip} (first on {where})" for ip, where in list(asked.items())[:4])
    hint = " including the destination itself" if dst_ip in asked else ""
    kinds = sorted({"neighbour solicitations" if ":" in ip else "ARP requests" for ip in asked})
    return [f"{' and '.join(kinds)} were sent meanwhile for {who}{hint}: the probe may have been "
            "consumed while a next hop was being resolved (OVN's first packet to an unresolved "
            "address); walking again shows the resolved path"]


def next_folder(root: Path, source: str, destination: str) -> tuple[int, Path]:
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in root.iterdir() if (m := re.match(r"^(\d+)-", p.name))]
    n = max(numbers, default=0) + 1
    safe = re.sub(r"[^A-Za-z0-9.-]", "_", destination)
    return n, root / f"{n}-{source}-{safe}"


def read_tor(lab: Lab, moment: str) -> TorTable:
    return TorTable(moment, lab.tor.fdb(), lab.tor.mac_moves())


def build_leg(name: str, source: str, target: str | None, obs, links) -> Leg:
    mine = [o for o in obs if o[2] == name]
    cross = H.crossings(mine, links)
    roots = H.chain(cross)
    branch, side = H.main_branch(roots, target)
    all_hops = sorted((h for c in cross for h in c.hops()), key=lambda h: h.ns)
    return Leg(name, source, target, H.path_hops(branch, target), side, all_hops)


def legs_of(captured: dict[Endpoint, list[Frame]], probe: Probe, source: str, target: str | None,
            destination: str, links, hosts: dict[str, set[str]] | None = None,
            dports: tuple[int, ...] = ()) -> tuple[Mark, Leg, Leg]:
    """The probe's mark and its two legs. A destination that is no host (a bare address, a
    load balancer's VIP) ends where the request landed: the first host (`hosts`: name -> its
    addresses) it reached addressed to it, the source itself when a VIP sent it back there
    (hairpin)."""
    mark = probe.mark(_sent_by(captured, source), dports)
    obs = H.observations(captured, mark.leg)
    if target is None:
        landed = sorted((f.ns, end.node) for end, f, leg in obs if leg == "request"
                        and f.packet.ip_dst in (hosts or {}).get(end.node, ()))
        target = landed[0][1] if landed else None
    return (mark, build_leg("request", source, target, obs, links),
            build_leg("reply", target or destination, source, obs, links))


def runs_a_switch(lab: Lab, name: str) -> bool:
    """Does an ovs-vswitchd forward this node's frames (a chassis, or an OVS ToR)?"""
    return name in lab.scenario.chassis or (
        name == lab.scenario.tor and getattr(lab.tor, "kind", "") == "ovs")


def follow_up(lab: Lab, caps: CaptureSet, legs, budget: float = holdup.FOLLOW_UP,
              drained=backlog.drained) -> list[str]:
    """The probe was not answered in time: while a switch has it (last seen arriving there,
    not leaving), wait for that switch to handle what it had received, and look again. Ends
    when the probe is answered, sits where no switch holds it, or has not moved after its
    switch caught up (dropped there); bounded by `budget` seconds. Returns the walk's notes."""
    notes: list[str] = []
    last = None  # where the probe was, and how far both legs had come, when a switch was asked
    deadline = time.monotonic() + budget
    while (left := deadline - time.monotonic()) > 0:
        request, reply = legs(caps.frames_now())
        where = holdup.frontier(request, reply)
        if where is None or not runs_a_switch(lab, where[1]):
            break
        leg, node = where
        state = (where, len(request.all_hops), len(reply.all_hops))
        if state == last:
            notes.append(f"{node}'s switch had handled everything it had received and the {leg} "
                         "did not leave it on any captured link: it was dropped there, not delayed")
            break
        last = state
        t = time.monotonic()
        why = drained(lab.nodes[node], left)
        if why:
            notes.append(f"the {leg} was last seen arriving at {node}; whether its switch still "
                         f"holds it is not known: {why}")
            break
        if (took := time.monotonic() - t) > 0.2:
            notes.append(f"waited {took:.2f} s for {node}'s switch to handle its backlog")
        caps.settle()
    else:
        notes.append(f"stopped following the probe after {budget:g} s")
    return notes


def warm_up(lab: Lab, source: str, dst_ip: str) -> str:
    """One ping that is not the measured probe, before the captures start: a first packet
    towards an unresolved next hop or tunnel endpoint is consumed by OVN while it resolves
    (ARP/ND, MAC_Binding), so the walk would show a loss the second walk does not. Returns the
    walk's note about it."""
    what = f"warm-up: one unmeasured ping {source} -> {dst_ip} before the probe"
    try:
        got = lab.host(source).ping(dst_ip, count=1, wait=1)
    except TestbedError as exc:
        return f"{what} could not be sent ({exc})"
    answered = "answered" if got.received else "not answered"
    return f"{what}, {answered} (walk cold, warm=False or --cold, to see a first packet)"


def walk(lab: Lab, source: str, destination: str, proto: str = "icmp", port: int | None = None,
         timeout: float = PROBE_TIMEOUT, run_traces: bool = True, capture_on: list[str] | None = None,
         warm: bool = True, size: int | None = None, df: bool = False,
         ipv6: bool = False) -> Walk:
    """`capture_on`: capture only on these nodes' link ends (default: every link that carries
    data). The source is always captured, since its frames tell a TCP/UDP probe's port.
    `warm`: resolve the path first with one unmeasured ping (warm_up); False walks the cold
    first packet. `size`, `df`: the probe's IP packet size and don't-fragment (ICMP; UDP takes
    the size). `ipv6`: between the hosts' IPv6 addresses (dual stack). Returns the Walk
    (report.walk_files writes its report)."""
    sc = lab.scenario
    src_ip, dst_ip, target = resolve(sc, source, destination, ipv6)
    lb = balance.named(sc, destination)
    if lb is not None and port is None:  # a load balancer: its protocol and port
        proto, port = lb[1].protocol, lb[1].port
    probe = Probe.make(proto, src_ip, dst_ip, port, timeout, size, df)
    dports = balance.backend_ports(sc, dst_ip, port) if proto != "icmp" else ()
    warmed = warm_up(lab, source, dst_ip) if warm else None
    number, folder = next_folder(lab.dir / "walks", source, destination)
    journal.record(lab.dir, "walk.started", source, destination=destination, proto=proto,
                   port=port, ipv6=ipv6, report=str(folder))
    t0 = time.monotonic()
    caps = capture_set(lab, source, capture_on, folder / "pcap")
    with ThreadPoolExecutor(max_workers=8) as pool:
        run = send(lab, caps, probe, source, target, destination, pool)
        t2 = time.monotonic()
        end_f = pool.submit(read_tor, lab, "end")
        captured = caps.frames()
        run.timings["read pcaps"] = time.monotonic() - t2
        mark, request, reply = legs_of(captured, probe, source, target, destination, lab.links,
                                       hosts(lab), dports)
        bounds = [("request", reply.hops[0].ns - 1 if reply.hops else 2**63), ("reply", 2**63)]
        events = tortable.received(captured, lab.links, sc.tor, sc.vlans)
        after_request, after_reply = tortable.replay(run.before, events, bounds)
        end = end_f.result()
        w = Walk(number, source, destination, probe, mark, request, reply,
                 {"before": run.before, "request": after_request, "reply": after_reply,
                  "end": end}, folder=folder, timings=run.timings, tor_node=sc.tor,
                 links=lab.links.to_json(), gateways=default_gateways(sc, ":" in dst_ip),
                 captured_on=[str(e) for e, _ in caps.points], drops=caps.drops,
                 captured=captured)
        w.background = sorted(((str(e), f) for e, fs in captured.items() for f in fs
                               if mark.leg(f) is None), key=lambda x: x[1].ns)
        w.balanced = balance.choice(sc, w)
        w.notes += [warmed] if warmed else []
        w.notes += [f"not captured on {end}: {why}" for end, why in caps.skipped.items()]
        w.notes += [f"ToR table rebuilt from the captures differs from the switch: {d}"
                    for d in tortable.differences(after_reply, end)]
        w.notes += run.followed + holdup.held_notes(request, reply)
        w.notes += probe_notes(w, run.sent, dst_ip)
        cross_check(lab, w, pool, run_traces)
        w.notes += sizes.notes(w, sc)
    w.timings["total"] = time.monotonic() - t0
    request.report_hint = reply.report_hint = failure_hint(w)
    journal.record(lab.dir, "walk.finished", source, destination=destination,
                   delivered=request.delivered, replied=reply.delivered, path=request.path,
                   report=str(folder))
    return w


def hosts(lab: Lab) -> dict[str, set[str]]:
    """Where a walk can end: the VMs and the external hosts, with their addresses."""
    sc = lab.scenario
    return {h: {ip for ip in (sc.host_ip(h), sc.host_ip(h, ipv6=True)) if ip}
            for h in [*sc.vms, *sc.nodes_with(Role.external)]}


def capture_set(lab: Lab, source: str, capture_on: list[str] | None, folder: Path) -> CaptureSet:
    """Captures on every link end that carries data (or only these nodes' and the source's),
    of the nodes that run; the others are said as skipped."""
    wanted = None if capture_on is None else {*capture_on, source}
    unknown = sorted((wanted or set()) - set(lab.nodes))
    if unknown:
        raise ValueError(f"capture_on names no node of this testbed: {', '.join(unknown)}")
    ends = [end for end in lab.links.capture_points() if wanted is None or end.node in wanted]
    running = {name for name in {e.node for e in ends} if lab.nodes[name].running}
    caps = CaptureSet([(end, lab.nodes[end.node].netns) for end in ends if end.node in running],
                      folder)
    caps.skipped.update({str(end): "node stopped" for end in ends if end.node not in running})
    return caps


@dataclass
class Sent:
    """The probe as sent: the ToR's table before it, the command's result, what following it
    found, and the timings so far."""

    before: TorTable
    sent: CommandResult
    followed: list[str]
    timings: dict[str, float]


def send(lab: Lab, caps: CaptureSet, probe: Probe, source: str, target: str, destination: str,
         pool: ThreadPoolExecutor) -> Sent:
    """Start the captures, send the probe, and wait until its frames are on disk (the answer at
    the source, or the wires quiet; a lost probe is followed through the switches' backlogs)."""
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    before_f = pool.submit(read_tor, lab, "before")
    with caps:
        timings["capture start"] = time.monotonic() - t0
        before = before_f.result()
        t1 = time.monotonic()
        sent = lab.nodes[source].run(probe.argv(), check=False)
        if probe.answered(sent):  # the answer reached the source: make sure it is on disk
            src_end = next((e for e, _ in caps.points if e.node == source), None)
            if src_end is not None:
                caps.wait_for(src_end, lambda fs: any(probe.is_answer(f) for f in fs),
                              f"the answer to the probe from {source}")
        # UDP: the sender does not wait for an answer; wait for the wires to go quiet longer
        caps.settle(quiet_ms=250 if probe.proto == "udp" else 60)
        followed = [] if probe.answered(sent) else follow_up(
            lab, caps, lambda captured: legs_of(captured, probe, source, target,
                                               destination, lab.links, hosts(lab))[1:])
        timings["probe"] = time.monotonic() - t1
    return Sent(before, sent, followed, timings)


def probe_notes(w: Walk, sent: CommandResult, dst_ip: str) -> list[str]:
    """Why a request was not delivered (a next hop being resolved), and a probe command that
    failed."""
    notes = [] if w.request.delivered else resolving_notes(w.background, dst_ip,
                                                           w.request.path)
    if not sent.ok and w.probe.proto == "icmp":
        answer = w.reply.hops[0].frame.packet if w.reply.hops else None
        late = (f" (the answer came after it had given up, {w.probe.timeout:g} s)"
                if w.reply.delivered and answer is not None and answer.quoted is None else "")
        notes.append(f"{w.source}: `{sent.command}` exited {sent.rc}: "
                     f"{(sent.stdout + sent.stderr).strip().splitlines()[-1:]}{late}")
    return notes


def cross_check(lab: Lab, w: Walk, pool: ThreadPoolExecutor, run_traces: bool) -> None:
    """The nodes' names for the walk's addresses and, with `run_traces`, ovn-trace and
    ofproto/trace of each leg held against the captures."""
    t3 = time.monotonic()
    sb = lab.try_sb()
    if sb is None:
        w.notes.append(f"SB does not answer, so ovn-trace and the logical names were skipped "
                       f"(ofproto/trace ran on the chassis): {lab.unreachable['sb']}")
    names_f = pool.submit(directory, lab.scenario, lab.nodes, sb)
    if run_traces:
        from .crosscheck import conntrack_notes
        from .crosscheck import run_traces as traces_of
        w.traces, w.checks = traces_of(lab, w, pool, ovn_trace=sb is not None)
        w.notes += conntrack_notes(lab, w)
        if w.reply.translations() and any(c.what.startswith("reply")
                                          for c in w.disagreements):
            w.notes.append(f"the reply was translated back (un-NAT) on "
                           f"{w.reply.translated_on}: ovn-trace keeps no NAT state, so its "
                           "trace of it stops at the router (the disagreements above)")
    w.names = names_f.result()
    w.timings["traces and names"] = time.monotonic() - t3


def failure_hint(w: Walk) -> str:
    """What a failed assertion on this walk prints under its table: the walk's notes (an ARP
    that consumed the probe, a probe command that failed, a link not captured), how long the
    probe waited, and where the report and pcaps are. A CI log then says why on its own."""
    lines = [f"walk notes: {note}" for note in w.notes[:6]]
    lines.append(f"probe: sent and settled in {w.timings.get('probe', 0):.2f} s "
                 f"(waits up to {w.probe.timeout:g} s for the answer)")
    lines.append(f"(walk report: {w.folder / 'walk.html'}; pcaps: {w.folder / 'pcap'})")
    return "".join("\n" + line for line in lines)


def default_gateways(sc: Scenario, ipv6: bool = False) -> dict[str, str]:
    """Each host's default gateway IP (IPv6 with `ipv6`), as the testbed configured it."""
    out = {}
    for name, vm in sc.vms.items():
        gw = sc.gateway_of(vm.switch)
        if gw is not None and (gw.ip6 if ipv6 else gw.ip):  # from an RA: its link-local
            out[name] = (link_local(gw.mac) if dynamic(sc, name) else gw.ip6) if ipv6 else gw.ip
    for name in sc.nodes_with(Role.external):
        for _, via in sc.routes_back(name):
            if (":" in via) == ipv6:
                out.setdefault(name, via)
    return out


def _sent_by(captured: dict[Endpoint, list[Frame]], source: str) -> list[Frame]:
    return [f for end, frames in captured.items() if end.node == source for f in frames]
