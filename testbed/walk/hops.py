"""Rebuild a probe's journey from the captures: observations -> crossings -> legs of ordered hops.

Every frame of the probe is captured on both ends of each wire it crosses. Identical bytes seen
on the ends of one link are one *crossing*: the earliest sighting is the frame leaving (`out`), the
others arriving (`in`). A crossing that leaves node N continues the latest crossing of the same
leg that arrived at N before it. Following that chain from the source gives the path; copies a
switch flooded elsewhere are kept as side branches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..links import Endpoint, Inventory
from ..observe.frames import Frame

SAME_CROSSING_NS = 50_000_000  # identical bytes on one link within 50 ms are one crossing


@dataclass(frozen=True)
class Hop:
    """One sighting of the probe: where, when, which way, and what it looked like there."""

    ns: int
    node: str
    ifname: str
    direction: str  # "out" (leaving the node) or "in" (arriving)
    leg: str  # "request" or "reply"
    link: str
    frame: Frame

    @property
    def where(self) -> str:
        return f"{self.node}:{self.ifname}"

    # the fields a test asserts on, from the carried packet (inner frame if tunnelled)
    @property
    def vlan(self) -> int | None:
        return self.frame.packet.vlan

    @property
    def eth_src(self) -> str:
        return self.frame.packet.eth_src

    @property
    def eth_dst(self) -> str:
        return self.frame.packet.eth_dst

    @property
    def ip_src(self) -> str | None:
        return self.frame.packet.ip_src

    @property
    def ip_dst(self) -> str | None:
        return self.frame.packet.ip_dst

    @property
    def ttl(self) -> int | None:
        return self.frame.packet.ttl

    @property
    def encap(self):
        return self.frame.encap

    @property
    def tunnelled(self) -> bool:
        return self.frame.encap is not None


@dataclass
class Crossing:
    link: str
    out: Hop | None
    ins: list[Hop]
    parent: Crossing | None = None
    children: list[Crossing] = field(default_factory=list)

    @property
    def ns(self) -> int:
        return (self.out or self.ins[0]).ns

    @property
    def leg(self) -> str:
        return (self.out or self.ins[0]).leg

    def hops(self) -> list[Hop]:
        return ([self.out] if self.out else []) + self.ins


def observations(captured: dict[Endpoint, list[Frame]],
                 classify: Callable[[Frame], str | None]) -> list[tuple[Endpoint, Frame, str]]:
    return [(end, f, leg) for end, frames in captured.items() for f in frames
            if (leg := classify(f)) is not None]


def crossings(obs: list[tuple[Endpoint, Frame, str]], links: Inventory) -> list[Crossing]:
    out = _group(obs, links)
    # seen on one end only: leaving (nobody we capture received it) if the packet had reached
    # that node before, else arriving (from an end we do not capture)
    for i, c in enumerate(out):
        if c.out is None and len(c.ins) == 1:
            h = c.ins[0]
            reached = any(p.ns < c.ns and p.leg == c.leg and any(x.node == h.node for x in p.ins)
                          for p in out[:i])
            if reached:
                out[i] = Crossing(c.link, Hop(h.ns, h.node, h.ifname, "out", h.leg, h.link,
                                              h.frame), [])
    return out


def _group(obs: list[tuple[Endpoint, Frame, str]], links: Inventory) -> list[Crossing]:
    """Group sightings of identical bytes on one link into crossings, in time order."""
    groups: dict[tuple[str, bytes], list[tuple[Endpoint, Frame, str]]] = defaultdict(list)
    for end, f, leg in obs:
        groups[(links.link_of(end).name, f.raw)].append((end, f, leg))
    out: list[Crossing] = []
    for (link, _), sightings in groups.items():
        sightings.sort(key=lambda s: s[1].ns)
        cluster: list[tuple[Endpoint, Frame, str]] = []
        for s in sightings:
            # a new crossing when the same bytes come back later, or the same end sees them again
            if cluster and (s[1].ns - cluster[0][1].ns > SAME_CROSSING_NS
                            or any(c[0] == s[0] for c in cluster)):
                out.append(_crossing(link, cluster))
                cluster = []
            cluster.append(s)
        if cluster:
            out.append(_crossing(link, cluster))
    return sorted(out, key=lambda c: c.ns)


def _crossing(link: str, cluster: list[tuple[Endpoint, Frame, str]]) -> Crossing:
    hops = [Hop(f.ns, end.node, end.ifname, "out" if i == 0 else "in", leg, link, f)
            for i, (end, f, leg) in enumerate(cluster)]
    if len(hops) == 1:  # seen on one end only: it arrived from an end we do not capture
        only = hops[0]
        return Crossing(link, None, [Hop(only.ns, only.node, only.ifname, "in", only.leg, link,
                                         only.frame)])
    return Crossing(link, hops[0], hops[1:])


def chain(cross: list[Crossing]) -> list[Crossing]:
    """Link each crossing to the one that brought the packet to the node it leaves; return roots."""
    roots = []
    for c in cross:
        if c.out is None:
            roots.append(c)
            continue
        arrived = [p for p in cross if p.leg == c.leg and p.ns < c.ns
                   and any(h.node == c.out.node for h in p.ins)]
        if arrived:
            c.parent = arrived[-1]
            c.parent.children.append(c)
        else:
            roots.append(c)
    return roots


def main_branch(roots: list[Crossing], target: str | None) -> tuple[list[Crossing], list[Crossing]]:
    """The chain of crossings that reaches `target` (else the one that went furthest in time),
    and the crossings off that chain (flooded copies)."""
    if not roots:
        return [], []
    branches: list[list[Crossing]] = []

    def walk(c: Crossing, path: list[Crossing]) -> None:
        path = [*path, c]
        if not c.children:
            branches.append(path)
        for child in c.children:
            walk(child, path)

    for root in roots:
        walk(root, [])

    def score(branch: list[Crossing]) -> tuple[bool, int]:
        reached = target is not None and any(h.node == target for h in branch[-1].ins)
        return (reached, branch[-1].ns)
    best = max(branches, key=score)
    on = {id(c) for c in best}
    side = [c for b in branches for c in b if id(c) not in on]
    unique_side = list({id(c): c for c in side}.values())
    return best, sorted(unique_side, key=lambda c: c.ns)


def path_hops(branch: list[Crossing], target: str | None) -> list[Hop]:
    """The hops along a branch: out of one node, into the next (on a shared segment, the one
    arrival that continued, or the target, or every arrival when the branch ends)."""
    hops: list[Hop] = []
    for i, c in enumerate(branch):
        if c.out:
            hops.append(c.out)
        nxt = branch[i + 1] if i + 1 < len(branch) else None
        if nxt is not None and nxt.out is not None:
            hops += [h for h in c.ins if h.node == nxt.out.node][:1]
        else:
            at_target = [h for h in c.ins if h.node == target]
            hops += at_target or c.ins
    return hops
