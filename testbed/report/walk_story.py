"""A walk told as the seed tells it: inception, leaving the chassis, the physical switch, arrival,
the return, the end, the traces. Plain data (sections of lines and tables) that the terminal,
Markdown and HTML renderers share."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..walk.hops import Hop
from ..walk.model import Leg, TorTable, Walk


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    table: list[list[str]] | None = None  # first row: header
    highlight: set[int] = field(default_factory=set)  # table rows (1-based) to highlight
    kind: str = "text"  # text | tor | checks


def named(w: Walk, value: str | None) -> str:
    if value is None:
        return "none"
    name = w.name_of(value)
    return f"{value} ({name})" if name else str(value)


def describe(w: Walk, h: Hop) -> str:
    p = h.frame.packet
    parts = [f"eth {named(w, p.eth_src)} -> {named(w, p.eth_dst)}",
             f"VLAN {p.vlan}" if p.vlan is not None else "untagged"]
    if p.ip_src:
        parts.append(f"IP {named(w, p.ip_src)} -> {named(w, p.ip_dst)} TTL {p.ttl}")
    if h.encap:
        e = h.encap
        key = e.datapath_key
        dp = w.name_of(f"vni:{key}")
        ports = ""
        if e.out_port_key is not None:
            lout = w.name_of(f"port:{key}:{e.out_port_key}") or e.out_port_key
            lin = (w.name_of(f"port:{key}:{e.in_port_key}") or e.in_port_key
                   if e.in_port_key is not None else None)
            ports = (f", logical in {lin}" if lin is not None else ", logical") + f" out {lout}"
        parts.insert(0, f"{e.kind} VNI {e.vni}{f' ({dp})' if dp else ''}{ports}, outer "
                        f"{named(w, e.outer_src_ip)} -> {named(w, e.outer_dst_ip)}")
    return "; ".join(parts)


def at(w: Walk, h: Hop) -> str:
    """The hop's time from the probe's first sighting, in milliseconds."""
    start = w.request.hops[0].ns if w.request.hops else h.ns
    return f"t+{(h.ns - start) / 1e6:.3f} ms"


def changes(w: Walk, hin: Hop, hout: Hop) -> list[str]:
    a, b = hin.frame.packet, hout.frame.packet
    out = []
    if a.ttl is not None and b.ttl is not None and b.ttl != a.ttl:
        out.append(f"TTL {a.ttl} -> {b.ttl} (routed here)")
    if a.eth_src != b.eth_src:
        out.append(f"source MAC rewritten {named(w, a.eth_src)} -> {named(w, b.eth_src)}")
    if a.eth_dst != b.eth_dst:
        out.append(f"destination MAC rewritten {named(w, a.eth_dst)} -> {named(w, b.eth_dst)}")
    if a.vlan != b.vlan:
        if a.vlan is None:
            out.append(f"VLAN {b.vlan} pushed")
        elif b.vlan is None:
            out.append(f"VLAN {a.vlan} popped")
        else:
            out.append(f"VLAN {a.vlan} -> {b.vlan}")
    if hout.encap and not hin.encap:
        out.append(f"tunnelled: {hout.encap.kind} to {named(w, hout.encap.outer_dst_ip)}")
    if hin.encap and not hout.encap:
        out.append(f"decapsulated from {hin.encap.kind}")
    return out or ["forwarded unchanged"]


def tor_section(w: Walk, table: TorTable, title: str) -> Section:
    rows = [["vid", "MAC", "what", "port", "this leg"]]
    changed = {(e.vlan, e.mac) for e in table.changed}
    refreshed = {(e.vlan, e.mac) for e in table.refreshed}
    hl = set()
    for i, e in enumerate(table.entries, start=1):
        key = (e.vlan, e.mac)
        what = "learned" if key in changed else "refreshed" if key in refreshed else ""
        rows.append([str(e.vlan), e.mac, w.name_of(e.mac), e.port,
                     what if table.derived else f"age {e.age}"])
        if what:
            hl.add(i)

    def listing(entries) -> str:
        return ", ".join(f"{e.vlan} {e.mac} on {e.port}" for e in entries) or "none"
    if table.derived:
        lines = [f"new or moved: {listing(table.changed)}",
                 f"learned again on the same port: {listing(table.refreshed)}",
                 f"MAC moves so far: {table.moves} (table rebuilt from the frames the ToR "
                 "received, applied to the table read before the walk)"]
    else:
        lines = [f"read from the switch; MAC moves counter: {table.moves}"]
    return Section(title, lines, rows, hl, kind="tor")


def leg_sections(w: Walk, leg: Leg) -> list[Section]:
    out: list[Section] = []
    if not leg.hops:
        return [Section(f"The {leg.name}", [f"no frame of the {leg.name} was captured anywhere"])]
    first = leg.hops[0]
    if leg.name == "request":
        p = first.frame.packet
        gw_ip = w.gateways.get(leg.source)
        intro = (f"{leg.source} has MAC {p.eth_src} and IP {p.ip_src}; its default gateway is "
                 f"{named(w, gw_ip)} at MAC {named(w, p.eth_dst)}" if gw_ip and
                 p.ip_dst != gw_ip else f"{leg.source} has MAC {p.eth_src} and IP {p.ip_src}")
        out.append(Section(f"The inception in {leg.source}", [
            intro, f"{leg.source} sends {p.summary()}", describe(w, first)]))
    else:
        p = first.frame.packet
        who = (f"{named(w, p.ip_src)} answers with an ICMP error ({p.summary().split(' ICMP ', 1)[-1]})"
               if p.quoted is not None else f"{leg.source} answers")
        out.append(Section(f"The return: {who}", [f"{at(w, first)} {describe(w, first)}"]))
    for node, hin, hout in leg.transits():
        if node == leg.source and hin is None:
            continue
        if hin is not None and hout is not None:
            title = (f"The physical switch ({node})" if node == w.tor_node else
                     f"Through {node}: in {hin.ifname}, out {hout.ifname}")
            lines = [f"{at(w, hin)} arrives on {hin.ifname}: {describe(w, hin)}",
                     *changes(w, hin, hout),
                     f"{at(w, hout)} leaves on {hout.ifname}: {describe(w, hout)}"]
            out.append(Section(title, lines))
            if node == w.tor_node:
                out.append(tor_section(w, w.tor[leg.name], f"ToR table after the {leg.name}"))
        elif hin is not None:
            verb = "Arriving at" if node == leg.target else "Last seen arriving at"
            out.append(Section(f"{verb} {node}",
                               [f"{at(w, hin)} on {hin.ifname}: {describe(w, hin)}"]))
        elif hout is not None:
            out.append(Section(f"Leaving {node}",
                               [f"{at(w, hout)} on {hout.ifname}: {describe(w, hout)}"]))
    if not leg.delivered:
        last = leg.last_seen
        out.append(Section(f"The {leg.name} did not arrive",
                           [f"last seen at {last.where} ({last.direction})" if last else "never seen"]))
    if leg.side:
        out.append(Section(f"Copies of the {leg.name} off the path (flooded)", [
            f"{c.out.where if c.out else '?'} -> {', '.join(h.where for h in c.ins)}"
            for c in leg.side]))
    return out


def _routed_by(leg) -> str:
    if leg.routed_by:
        return leg.routed_by
    if leg.delivered:
        return "nobody (switched)"
    return "nobody before it was lost" if leg.seen else "nobody (not seen)"


def story(w: Walk) -> list[Section]:
    s = [Section(f"Walk {w.number}: {w.source} -> {w.destination} ({w.probe.proto}"
                 f"{' port ' + str(w.probe.port) if w.probe.port else ''})", [
        "probe mark: " + (f"ICMP echo id {w.mark.icmp_id}" if w.mark.proto == "icmp" else
                          f"{w.mark.proto.upper()} {w.mark.src_ip}:{w.mark.sport} -> "
                          f"{w.mark.dst_ip}:{w.mark.dport}"),
        f"captured on {len(w.captured_on)} interfaces; request path "
        f"{' -> '.join(w.request.path) or '-'}; reply path {' -> '.join(w.reply.path) or '-'}",
        f"request routed by {_routed_by(w.request)}, reply routed by "
        f"{_routed_by(w.reply)}; overlay used: request "
        f"{w.request.crossed_overlay}, reply {w.reply.crossed_overlay}",
        *(f"{leg.name} translated on {node}: {before} became {after}"
          for leg in (w.request, w.reply) for node, before, after in leg.translations()),
        *([w.balanced.describe()] if w.balanced else [])])]
    s.append(tor_section(w, w.tor["before"], "ToR table before the walk"))
    s += leg_sections(w, w.request)
    s += leg_sections(w, w.reply)
    end = []
    if w.request.delivered and w.reply.delivered:
        rtt = (w.reply.hops[-1].ns - w.request.hops[0].ns) / 1e6
        end.append(f"{w.source} got its answer: round trip {rtt:.3f} ms on the wire")
    else:
        end.append("the journey did not complete: " + ("the reply never arrived"
                   if w.request.delivered else "the request never arrived"))
    end += w.notes
    noise = ", ".join(f"{k} {v}" for k, v in w.noise().items()) or "none"
    end.append(f"background frames captured meanwhile (not the probe's): {noise}")
    s.append(Section("The end", end))
    for key, t in w.traces.items():
        if key.startswith("ovn-trace"):
            stages = len(t.steps)
            drop = t.dropped_by
            s.append(Section(key, [f"logical datapaths: {' -> '.join(t.datapaths) or '-'}; "
                                   f"{stages} stages; output port: {t.outport or 'none (dropped)'}",
                                   *([f"dropped in {drop.where}/{drop.stage} by the flow "
                                      f"`{drop.match}` (priority {drop.priority})"] if drop else []),
                                   "stages: " + ", ".join(f"{st.where}/{st.stage}"
                                                          for st in t.steps)]))
        else:
            a = t.actions
            s.append(Section(key, [f"{len(t.steps)} OpenFlow steps; datapath actions: "
                                   f"{a.text or 'drop'}"]))
    if w.checks:
        rows = [["check", "trace says", "capture says", ""]]
        hl = set()
        for i, c in enumerate(w.checks, start=1):
            rows.append([c.what, c.trace, c.capture, "agree" if c.agrees else "DISAGREE"])
            if not c.agrees:
                hl.add(i)
        s.append(Section("Traces cross-checked with the capture",
                         [f"{len(w.checks) - len(w.disagreements)} of {len(w.checks)} agree"],
                         rows, hl, kind="checks"))
    return s
