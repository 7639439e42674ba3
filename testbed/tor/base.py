"""What every ToR backend offers: trunk ports towards the chassis, a MAC table, a flap counter."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .. import names, wait
from ..runtime.base import Node

BRIDGE = "tor"


@dataclass(frozen=True, order=True)
class FdbEntry:
    """One learned MAC: the ToR port is named after the chassis (or host) it faces."""

    vlan: int
    mac: str
    port: str
    age: int


def external_segment(node: Node, ports: list[str], br: str = names.EXTERNAL_SWITCH) -> None:
    """An external network: a plain Linux bridge (no VLANs) in the ToR's container."""
    cmds = [["ip", "link", "add", br, "type", "bridge"]]
    for port in ports:
        cmds += [["ethtool", "-K", port, "tx", "off"], ["ip", "link", "set", port, "master", br]]
    cmds.append(["ip", "link", "set", br, "up"])
    node.run_all(cmds)


def external_port_of(node: Node, mac: str, peers: Iterable[str] = (),
                     networks: int = 1) -> str | None:
    """Where an external network's switch (in the ToR's container) has learned `mac`: the peer
    its port faces (x-gw2 -> gw2), or None. `peers` (the nodes on the external networks) and
    `networks` (how many there are) name ports whose names were shortened (long node names)."""
    named = {names.external_port(p, i): p for p in peers for i in range(networks)}
    out = node.exec(["bridge", "-j", "fdb", "show"])  # every external network's bridge
    for e in json.loads(out or "[]"):
        if e.get("mac") == mac.lower() and str(e.get("master", "")).startswith(
                names.EXTERNAL_SWITCH) and "permanent" not in e.get("state", ""):
            port = e.get("ifname", "")
            return named.get(port) or port.split("-", 1)[-1]
    return None


@dataclass
class Watched:
    """What a watch saw: moves (timeline.Move) and (time, moves counted since the last look)."""

    moves: list = field(default_factory=list)
    counted: list[tuple[float, int]] = field(default_factory=list)


class Tor(ABC):
    """The Top-of-Rack switch inside the `tor` container; ports are named after their peers."""

    kind: str

    def __init__(self, node: Node, peers: list[str], vlans: list[int], trunks: int = 1):
        self.node = node
        self.peers = peers
        self.peer_of = {names.tor_port(p, i): p for p in peers for i in range(trunks)}
        """interface name -> the peer it faces (a chassis has a trunk per provider network;
        a long peer name is shortened: names.ifname); table entries name the peer"""
        self.ports = list(self.peer_of)
        self.vlans = vlans

    @abstractmethod
    def setup(self) -> None:
        """Create the bridge and make every port a trunk of the scenario's VLANs."""

    @abstractmethod
    def reattach(self, ports: list[str]) -> None:
        """Make ports trunks again after their veths were made anew (a peer restarted)."""

    @abstractmethod
    def fdb(self) -> list[FdbEntry]:
        """The learned MAC table (dynamic entries only)."""

    @abstractmethod
    def mac_moves(self) -> int:
        """How many times a learned MAC moved to another port since setup."""

    @abstractmethod
    def flush(self) -> None:
        """Forget all learned MACs."""

    @contextmanager
    def watch(self, max_seconds: float) -> Iterator[Watched]:
        """Record MAC moves while the block runs (at most `max_seconds`); the result is filled
        when the block ends: the moves seen in the table, and when the switch counted moves."""
        result = Watched()
        token = self._watch_start(max_seconds)
        try:
            yield result
        finally:
            moves, counted = self._watch_stop(token)
            result.moves.extend(moves)
            result.counted.extend(counted)

    @abstractmethod
    def _watch_start(self, max_seconds: float) -> object:
        """Start recording; return what _watch_stop needs."""

    @abstractmethod
    def _watch_stop(self, token: object) -> tuple[list, list[tuple[float, int]]]:
        """Stop recording; return the moves seen and when the switch counted moves."""

    def settled_moves(self, quiet: float = 0.6, timeout: float = 10.0) -> int:
        """The MAC-move counter once it has stopped changing for `quiet` seconds (the OVS ToR
        counts moves when it revalidates its flows, every 0.5 s, so earlier traffic can still
        be counted a moment after it ended)."""
        last: list[int] = []

        def missing() -> list[str]:
            now = self.mac_moves()
            settled = bool(last) and last[-1] == now
            last.append(now)
            return [] if settled else [f"the move counter to stop changing (at {now})"]
        wait.until("the ToR's move counter to settle", missing, timeout, interval=quiet)
        return last[-1]

    def learned(self, vlan: int, mac: str, timeout: float = 15.0) -> FdbEntry:
        """Wait until the ToR has learned `mac` in `vlan` (on whatever port) and return the entry."""
        found: list[FdbEntry] = []

        def missing() -> list[str]:
            found[:] = self.lookup(mac, vlan)
            return [] if found else [f"{mac} in VLAN {vlan} (table: {self.fdb()})"]
        wait.until("the ToR to learn a MAC", missing, timeout)
        return found[0]

    def lookup(self, mac: str, vlan: int | None = None) -> list[FdbEntry]:
        mac = mac.lower()
        return [e for e in self.fdb() if e.mac == mac and (vlan is None or e.vlan == vlan)]
