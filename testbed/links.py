"""Links are things: every wire of a testbed is recorded, listed, saved and acted on.

Two kinds:
- `veth`: a point-to-point pair the testbed wired itself (VM <-> its chassis' tap, a chassis'
  uplink <-> its ToR port);
- `network`: a shared segment (a bridge in the fabric namespace) whose ends are the nodes'
  NICs on it (the overlay between chassis, the external network of gateways and external hosts, and mgmt).

A capture runs on the ends of links that carry data (`Link.carries_data`); a later fault can cut
a link or add netem to one of its ends. The inventory is saved in the run's state.json.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

CONTROL_NETWORKS = ("mgmt",)
"""Shared networks that carry only control traffic (OVSDB): a walk does not capture on them."""


@dataclass(frozen=True, order=True)
class Endpoint:
    """One end of a link: an interface inside a node's network namespace."""

    node: str
    ifname: str

    def __str__(self) -> str:
        return f"{self.node}:{self.ifname}"


@dataclass(frozen=True)
class Link:
    name: str
    kind: str  # "veth", "vxlan" (a point-to-point tunnel) or "network"
    ends: tuple[Endpoint, ...]
    network: str = ""  # the shared network's name (mgmt, overlay), for kind "network"
    macs: tuple[str, ...] = field(default=(), compare=False)
    """each end's MAC when it was made (veths): made again with the same MACs, as a restarted
    machine keeps its NICs' (neighbours' caches and OVN's MAC_Binding stay right)"""
    mtu: int | None = field(default=None, compare=False)
    """both ends' MTU when one was set (veths; None: the kernel's 1500)"""
    vni: int | None = field(default=None, compare=False)
    """a vxlan link's VXLAN network identifier"""

    @property
    def point_to_point(self) -> bool:
        """Two ends and nothing else between them (a veth, or a VXLAN tunnel standing in for
        a wire between hosts)."""
        return self.kind in ("veth", "vxlan")

    @property
    def carries_data(self) -> bool:
        return self.point_to_point or self.network not in CONTROL_NETWORKS

    def nodes(self) -> list[str]:
        return [e.node for e in self.ends]

    def end_of(self, node: str) -> Endpoint | None:
        return next((e for e in self.ends if e.node == node), None)

    def peers_of(self, end: Endpoint) -> list[Endpoint]:
        return [e for e in self.ends if e != end]

    def describe(self) -> str:
        joined = " <-> ".join(map(str, self.ends)) if self.point_to_point else ", ".join(
            map(str, self.ends))
        return f"{self.name} ({self.kind}{': ' + self.network if self.network else ''}): {joined}"


@dataclass
class Inventory:
    """All links of one testbed, in the order they were made."""

    links: list[Link] = field(default_factory=list)

    def add(self, link: Link) -> Link:
        if any(existing.name == link.name for existing in self.links):
            raise ValueError(f"a link named {link.name!r} is already recorded")
        self.links.append(link)
        return link

    def replace(self, old: Link, new: Link) -> Link:
        """Record a link's new ends (a restarted container's NIC may have another name)."""
        self.links[self.links.index(old)] = new
        return new

    def __iter__(self) -> Iterator[Link]:
        return iter(self.links)

    def __len__(self) -> int:
        return len(self.links)

    def of(self, node: str) -> list[Link]:
        return [link for link in self.links if node in link.nodes()]

    def between(self, a: str, b: str) -> list[Link]:
        """Links that have an end on both nodes (Mininet's linksBetween)."""
        return [link for link in self.links if a in link.nodes() and b in link.nodes()]

    def link_of(self, end: Endpoint) -> Link:
        for link in self.links:
            if end in link.ends:
                return link
        raise KeyError(f"no link has the end {end}; known links: "
                       + "; ".join(link.name for link in self.links))

    def nic(self, node: str, network: str) -> str:
        """The interface of `node` on a shared network (mgmt, overlay)."""
        for link in self.links:
            end = link.end_of(node) if link.network == network else None
            if end is not None:
                return end.ifname
        raise KeyError(f"{node} has no NIC on the {network} network")

    def capture_points(self) -> list[Endpoint]:
        """Every end of every link that carries data: where a walk captures."""
        return sorted({end for link in self.links if link.carries_data for end in link.ends})

    def to_json(self) -> list[dict]:
        return [{"name": link.name, "kind": link.kind, "network": link.network,
                 "ends": [asdict(e) for e in link.ends], "macs": list(link.macs),
                 "mtu": link.mtu, "vni": link.vni}
                for link in self.links]

    @classmethod
    def from_json(cls, rows: Iterable[dict]) -> Inventory:
        return cls([Link(r["name"], r["kind"], tuple(Endpoint(**e) for e in r["ends"]),
                         r.get("network", ""), tuple(r.get("macs", ())), r.get("mtu"),
                         r.get("vni"))
                    for r in rows])


def veth_name(a: Endpoint, b: Endpoint) -> str:
    return f"{a.node}:{a.ifname}--{b.node}:{b.ifname}"
