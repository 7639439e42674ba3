"""What every ToR backend offers: trunk ports towards the chassis, a MAC table, a flap counter."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from .. import names, wait
from ..manager.docker import Node

BRIDGE = "tor"


@dataclass(frozen=True, order=True)
class FdbEntry:
    """One learned MAC: the ToR port is named after the chassis (or host) it faces."""

    vlan: int
    mac: str
    port: str
    age: int


def external_segment(node: Node, ports: list[str]) -> None:
    """The external network: a plain Linux bridge (no VLANs) in the ToR's container."""
    br = names.EXTERNAL_SWITCH
    cmds = [["ip", "link", "add", br, "type", "bridge"]]
    for port in ports:
        cmds += [["ethtool", "-K", port, "tx", "off"], ["ip", "link", "set", port, "master", br]]
    cmds.append(["ip", "link", "set", br, "up"])
    node.run_all(cmds)


class Tor(ABC):
    """The Top-of-Rack switch inside the `tor` container; ports are named after their peers."""

    kind: str

    def __init__(self, node: Node, ports: list[str], vlans: list[int]):
        self.node = node
        self.ports = ports
        self.vlans = vlans

    @abstractmethod
    def setup(self) -> None:
        """Create the bridge and make every port a trunk of the scenario's VLANs."""

    @abstractmethod
    def fdb(self) -> list[FdbEntry]:
        """The learned MAC table (dynamic entries only)."""

    @abstractmethod
    def mac_moves(self) -> int:
        """How many times a learned MAC moved to another port since setup."""

    @abstractmethod
    def flush(self) -> None:
        """Forget all learned MACs."""

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
