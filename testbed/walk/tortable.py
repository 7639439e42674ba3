"""The ToR's MAC table per leg of a walk.

The table is read from the switch before the walk and after it. A probe's round trip takes about
a millisecond, too short to read the switch between the request and the reply, so the table after
each leg is rebuilt from the captures: every frame the ToR received on a port (tagged, in a VLAN
it trunks) teaches it (VLAN, source MAC) -> port, applied in time order to the table read before.
The rebuilt table at the end is compared with the one read from the switch; a difference is
reported, never hidden.
"""

from __future__ import annotations

from collections import defaultdict

from ..links import Endpoint, Inventory
from ..observe.frames import Frame
from ..tor.base import FdbEntry
from .hops import SAME_CROSSING_NS
from .model import TorTable


def received(captured: dict[Endpoint, list[Frame]], links: Inventory, tor: str,
             vlans: list[int]) -> list[tuple[int, int, str, str]]:
    """(ns, vlan, source MAC, ToR port) of every tagged frame a ToR port received."""
    events = []
    for end, frames in captured.items():
        if end.node != tor:
            continue
        link = links.link_of(end)
        peers = link.peers_of(end)
        sent_by_peer: dict[bytes, list[int]] = defaultdict(list)
        for peer in peers:
            for f in captured.get(peer, []):
                sent_by_peer[f.raw].append(f.ns)
        for f in frames:
            # arriving at the ToR: the peer's end saw the same bytes first
            if not any(0 <= f.ns - t < SAME_CROSSING_NS for t in sent_by_peer.get(f.raw, [])):
                continue
            if f.vlan is not None and f.vlan in vlans:  # the ToR names ports by their peer
                port = peers[0].node if peers else end.ifname
                events.append((f.ns, f.vlan, f.eth_src.lower(), port))
    return sorted(events)


def replay(before: TorTable, events: list[tuple[int, int, str, str]],
           bounds: list[tuple[str, int]]) -> list[TorTable]:
    """Apply learning events to the table read before; a table after each (name, until_ns)."""
    table = {(e.vlan, e.mac): e.port for e in before.entries}
    moves = before.moves
    out = []
    i = 0
    for name, until in bounds:
        changed, refreshed = [], []
        while i < len(events) and events[i][0] <= until:
            _, vlan, mac, port = events[i]
            old = table.get((vlan, mac))
            if old != port:
                if old is not None:
                    moves += 1
                table[(vlan, mac)] = port
                changed.append(FdbEntry(vlan, mac, port, 0))
            else:
                refreshed.append(FdbEntry(vlan, mac, port, 0))
            i += 1
        entries = sorted(FdbEntry(v, m, p, 0) for (v, m), p in table.items())
        fresh = sorted(set(refreshed) - set(changed))
        out.append(TorTable(name, entries, moves, sorted(set(changed)), fresh, derived=True))
    return out


def flips(events: list[tuple[int, int, str, str]], start: dict[tuple[int, str], str]
          ) -> list[tuple[int, int, str, str, str]]:
    """What a switch that learns on every frame would do: (ns, vlan, mac, from, to) moves."""
    table = dict(start)
    out = []
    for ns, vlan, mac, port in events:
        old = table.get((vlan, mac))
        if old is not None and old != port:
            out.append((ns, vlan, mac, old, port))
        table[(vlan, mac)] = port
    return out


def differences(derived: TorTable, read: TorTable) -> list[str]:
    """Rows where the rebuilt table and the switch's own disagree (aged-out rows ignored)."""
    d = {(e.vlan, e.mac): e.port for e in derived.entries}
    r = {(e.vlan, e.mac): e.port for e in read.entries}
    out = [f"VLAN {v} {m}: rebuilt on {d[(v, m)]}, switch says {r[(v, m)]}"
           for (v, m) in sorted(d.keys() & r.keys()) if d[(v, m)] != r[(v, m)]]
    out += [f"VLAN {v} {m}: the switch learned it on {r[(v, m)]} but no captured frame taught it"
            for (v, m) in sorted(r.keys() - d.keys())]
    if derived.moves != read.moves:
        out.append(f"MAC moves: rebuilt {derived.moves}, switch counter {read.moves}")
    return out
