"""When did which MAC move between ToR ports: a timeline from the switch itself.

- OVS ToR: OVS has no MAC-learning event stream, so the table is polled (`ovs-appctl fdb/show`,
  each poll stamped with the time) inside the ToR's container for a bounded number of rounds;
  a move is a (VLAN, MAC) seen on another port than in the previous poll. Two moves between
  polls look like none: the bridge's own counter (fdb/stats-show) stays the exact total.
- Linux-bridge ToR: `bridge -timestamp monitor fdb` runs from setup; every learned entry is an
  event with its time, so every move is seen.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from .ovs_output import MOVED, parse_fdb

_STAMP = re.compile(r"^(\d+\.\d+)$")
_MONITOR_STAMP = re.compile(r"^Timestamp: (.+?) (\d+) usec$")
_MONITOR_EVENT = re.compile(r"^(?P<deleted>Deleted )?(?P<mac>[0-9a-f:]{17}) dev (?P<dev>\S+)"
                            r"(?: vlan (?P<vlan>\d+))?")


@dataclass(frozen=True)
class Move:
    t: float  # seconds since the epoch
    vlan: int
    mac: str
    src: str  # the port it was on
    dst: str  # the port it moved to

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Poll:
    t: float
    table: dict[tuple[int, str], str]  # (vlan, mac) -> port
    counter: int | None  # the bridge's "port moved MAC entries" counter at that moment


def polls(text: str, port_names: dict[str, str]) -> list[Poll]:
    """Stamped `fdb/show` (+ `fdb/stats-show` moved line) outputs -> polls, in order."""
    out: list[Poll] = []
    block: list[str] = []
    stamp: float | None = None
    for line in [*text.splitlines(), "0.0"]:
        m = _STAMP.match(line.strip())
        if m:
            if stamp is not None:
                table = parse_fdb("\n".join(block), port_names)
                counter = MOVED.search("\n".join(block))
                out.append(Poll(stamp, {(e.vlan, e.mac): e.port for e in table},
                                int(counter.group(1)) if counter else None))
            stamp, block = float(m.group(1)), []
        else:
            block.append(line)
    return out


def counted(rounds: list[Poll]) -> list[tuple[float, int]]:
    """(time, moves the bridge counted since the previous poll), where it counted any."""
    return [(b.t, b.counter - a.counter) for a, b in zip(rounds, rounds[1:], strict=False)
            if a.counter is not None and b.counter is not None and b.counter > a.counter]


def moves_from_polls(rounds: list[Poll]) -> list[Move]:
    moves = []
    for a, b in zip(rounds, rounds[1:], strict=False):
        for key, port in sorted(b.table.items()):
            old = a.table.get(key)
            if old is not None and old != port:
                moves.append(Move(b.t, key[0], key[1], old, port))
    return moves


def moves_from_monitor(text: str, ports: list[str], year_hint: int | None = None) -> list[Move]:
    """`bridge -timestamp monitor fdb` output -> every move, with its time."""
    where: dict[tuple[int, str], str] = {}
    moves = []
    t = 0.0
    for line in text.splitlines():
        line = line.strip()
        if m := _MONITOR_STAMP.match(line):
            when = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
            t = when.timestamp() + int(m.group(2)) / 1e6
            continue
        m = _MONITOR_EVENT.match(line)
        if not m or m["dev"] not in ports:
            continue
        key = (int(m["vlan"] or 0), m["mac"])
        if m["deleted"]:
            where.pop(key, None)
            continue
        if key in where and where[key] != m["dev"]:
            moves.append(Move(t, key[0], key[1], where[key], m["dev"]))
        where[key] = m["dev"]
    return moves
