"""A walk's result: two legs of hops, the ToR table per leg, the traces; asserted on in tests.

    walk = tb.walk("vm1", "vm4")
    assert walk.request.routed_by == "compute-a"
    assert walk.request.hop("tor", "compute-b").vlan == 2010
    assert walk.request.crossed_overlay is False
    assert walk.tor_after("request").port_of(vlan=2010, mac=R1_B) == "compute-a"
    walk.request.assert_path(["vm1", "compute-a", "tor", "compute-b", "vm4"])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..observe.frames import Frame
from ..tor.base import FdbEntry
from .hops import Crossing, Hop
from .mismatch import field_table, side_by_side
from .probe import Mark, Probe

if TYPE_CHECKING:
    from .balance import Choice


class HopNotFound(AssertionError):
    pass


@dataclass
class Leg:
    """One direction of the journey: the request (source -> destination) or the reply."""

    name: str  # "request" | "reply"
    source: str
    target: str | None
    hops: list[Hop]  # along the path, in time order
    side: list[Crossing] = field(default_factory=list)  # copies flooded off the path
    all_hops: list[Hop] = field(default_factory=list)
    report_hint: str = ""

    @property
    def seen(self) -> bool:
        return bool(self.hops)

    @property
    def path(self) -> list[str]:
        """Node names along the path, consecutive repeats collapsed."""
        out: list[str] = []
        for h in self.hops:
            if not out or out[-1] != h.node:
                out.append(h.node)
        return out

    @property
    def delivered(self) -> bool:
        return any(h.node == self.target and h.direction == "in" for h in self.hops)

    @property
    def last_seen(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    def transits(self) -> list[tuple[str, Hop | None, Hop | None]]:
        """(node, hop in, hop out) for each node on the path."""
        out: list[tuple[str, Hop | None, Hop | None]] = []
        for h in self.hops:
            if out and out[-1][0] == h.node and h.direction == "out" and out[-1][2] is None:
                out[-1] = (h.node, out[-1][1], h)
            elif h.direction == "in":
                out.append((h.node, h, None))
            else:
                out.append((h.node, None, h))
        return out

    @property
    def routers(self) -> list[str]:
        """Nodes where the TTL dropped between arriving and leaving (each routed the packet)."""
        return [node for node, hin, hout in self.transits()
                if hin and hout and hin.ttl is not None and hout.ttl is not None
                and hout.ttl < hin.ttl]

    @property
    def routed_by(self) -> str | None:
        """The node that routed this leg (the first one, when several did)."""
        return self.routers[0] if self.routers else None

    def translations(self) -> list[tuple[str, str, str]]:
        """(node, addresses before, after) where the IP source or destination changed inside a
        node (NAT): e.g. ("gw1", "10.0.0.11 > 172.24.4.1", "172.24.4.10 > 172.24.4.1")."""
        out = []
        for node, hin, hout in self.transits():
            if hin and hout and (hin.ip_src, hin.ip_dst) != (hout.ip_src, hout.ip_dst):
                out.append((node, f"{hin.ip_src} > {hin.ip_dst}", f"{hout.ip_src} > {hout.ip_dst}"))
        return out

    @property
    def translated_on(self) -> str | None:
        """The node that rewrote an address of this leg (the first, when several did)."""
        found = self.translations()
        return found[0][0] if found else None

    @property
    def crossed_overlay(self) -> bool:
        return any(h.tunnelled for h in self.hops)

    @property
    def vlans(self) -> list[int]:
        return sorted({h.vlan for h in self.hops if h.vlan is not None})

    def hop(self, node: str, ifname: str | None = None, direction: str | None = None) -> Hop:
        """The one hop at `node` (optionally on `ifname`, `direction` "in"/"out")."""
        def match(h: Hop) -> bool:
            return h.node == node and (ifname is None or h.ifname == ifname) and (
                direction is None or h.direction == direction)
        found = [h for h in self.hops if match(h)] or [h for h in self.all_hops if match(h)]
        where = f"{node}" + (f":{ifname}" if ifname else "") + (f" ({direction})" if direction else "")
        if not found:
            raise HopNotFound(f"the {self.name} was never seen at {where}; it went "
                              f"{' -> '.join(self.path) or 'nowhere'}{self.report_hint}")
        if len(found) > 1:
            raise HopNotFound(f"the {self.name} was seen {len(found)} times at {where}: "
                              f"{', '.join(h.where + ' ' + h.direction for h in found)}; "
                              "name the interface and direction")
        return found[0]

    def assert_path(self, expected: list[str]) -> None:
        """Assert the nodes the leg crossed; on failure, expected and observed side by side."""
        if self.path != expected:
            raise AssertionError(f"{self.name} path differs\n"
                                 + side_by_side(expected, self) + self.report_hint)

    def assert_expected(self, exp) -> None:
        """Assert everything `testbed.ovn.semantics.expect` says about this leg: path, who
        routed, overlay or not, TTL at the target, and each frame on the wire (VLAN, MACs, TTL).
        On failure every field is listed, expected beside observed, differences marked."""
        rows = [("delivered", str(exp.delivered), str(self.delivered)),
                ("path", " -> ".join(exp.path), " -> ".join(self.path)),
                ("routed by", str(exp.routed_by), str(self.routed_by)),
                ("crossed overlay", str(exp.crossed_overlay), str(self.crossed_overlay)),
                ("translated on", str(exp.translated_on), str(self.translated_on))]
        arrived = next((h for h in self.hops if h.node == exp.target and h.direction == "in"),
                       None)
        if exp.delivered:
            rows.append(("TTL at " + exp.target, str(exp.ttl_at_target),
                         str(arrived.ttl) if arrived else "not delivered"))
        for wire in exp.wire:
            try:
                h = self.hop(wire.node, wire.ifname, "out")
                seen = (str(h.vlan), h.eth_src, h.eth_dst, str(h.ttl), str(h.ip_src))
            except HopNotFound:
                seen = ("not seen",) * 5
            labels = ("VLAN", "eth.src", "eth.dst", "TTL", "ip.src")
            wanted = (str(wire.vlan), wire.eth_src, wire.eth_dst, str(wire.ttl), str(wire.ip_src))
            for label, want, got in zip(labels, wanted, seen, strict=True):
                if label != "ip.src" or wire.ip_src is not None:
                    rows.append((f"{wire.node}:{wire.ifname} out {label}", want, got))
        if any(want != got for _, want, got in rows):
            raise AssertionError(f"the {self.name} {exp.source} -> {exp.target} is not what OVN "
                                 f"should do ({exp.why})\n" + field_table(rows)
                                 + self.report_hint)


@dataclass
class TorTable:
    """The ToR's MAC table at one moment of a walk."""

    moment: str
    entries: list[FdbEntry]
    moves: int
    changed: list[FdbEntry] = field(default_factory=list)  # rows this leg added or moved
    refreshed: list[FdbEntry] = field(default_factory=list)  # rows learned again, same port
    derived: bool = False  # rebuilt from the captures (True) or read from the switch (False)

    def port_of(self, vlan: int, mac: str) -> str | None:
        mac = mac.lower()
        return next((e.port for e in self.entries if e.vlan == vlan and e.mac == mac), None)

    def to_json(self) -> dict:
        return {"moment": self.moment, "moves": self.moves, "derived": self.derived,
                "entries": [e.__dict__ for e in self.entries],
                "changed": [e.__dict__ for e in self.changed],
                "refreshed": [e.__dict__ for e in self.refreshed]}


@dataclass
class Check:
    """One point where a trace and the capture can agree or not."""

    what: str
    trace: str
    capture: str

    @property
    def agrees(self) -> bool:
        return self.trace == self.capture


@dataclass
class Walk:
    number: int
    source: str
    destination: str
    probe: Probe
    mark: Mark
    request: Leg
    reply: Leg
    tor: dict[str, TorTable]
    traces: dict = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    captured_on: list[str] = field(default_factory=list)
    drops: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tor_node: str = "tor"
    links: list[dict] = field(default_factory=list)  # the testbed's link inventory (to_json)
    gateways: dict[str, str] = field(default_factory=dict)  # host -> its default gateway IP
    background: list[tuple[str, Frame]] = field(default_factory=list, repr=False)
    """every captured frame that is not the probe's: (where, frame), in time order"""
    captured: dict = field(default_factory=dict, repr=False, compare=False)
    balanced: Choice | None = None
    """a walk to a load balancer's VIP: the backend chosen, and where (walk/balance.py)"""
    """every captured frame by link end (Endpoint -> frames), for the report's pcapng"""

    def noise(self) -> dict[str, int]:
        """Background frames by kind (ARP, ND, BFD, geneve, IPv6, ...): counted, never in the
        way."""
        counts: dict[str, int] = {}
        for _, f in self.background:
            p = f.packet
            six = p.icmp_type if p.proto == "icmp6" else None
            kind = ("BFD" if p.dport == 3784 else "geneve" if f.encap else
                    "ND" if six in (133, 134, 135, 136) else
                    "MLD" if six in (130, 131, 132, 143) else
                    p.proto.upper() if p.proto else p.kind.upper())
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items()))

    def leg(self, name: str) -> Leg:
        return {"request": self.request, "reply": self.reply}[name]

    def tor_after(self, moment: str) -> TorTable:
        """The ToR table after a leg ("request", "reply"), "before" the walk, or "end" (read)."""
        if moment not in self.tor:
            raise KeyError(f"no ToR table for {moment!r}; there are: {', '.join(self.tor)}")
        return self.tor[moment]

    @property
    def disagreements(self) -> list[Check]:
        return [c for c in self.checks if not c.agrees]

    def assert_traces_agree(self, at_least: int = 1) -> None:
        """The traces were compared with the capture at `at_least` points and agreed at all of
        them: an empty list of disagreements proves nothing when nothing was compared (no
        trace output port, a tunnelled ingress, traces=False)."""
        assert len(self.checks) >= at_least, (
            f"only {len(self.checks)} trace/capture comparison(s) were made, {at_least} needed "
            f"(traces: {', '.join(self.traces) or 'none'})" + self.request.report_hint)
        assert not self.disagreements, "traces and capture disagree: " + "; ".join(
            f"{c.what}: trace {c.trace}, capture {c.capture}" for c in self.disagreements
        ) + self.request.report_hint

    def name_of(self, value: str | None) -> str:
        return self.names.get(str(value).lower(), "") if value else ""
