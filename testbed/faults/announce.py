"""What a gateway chassis says on the external network when it takes a gateway port over:
gratuitous ARPs for the port's IPv4 addresses, unsolicited neighbour advertisements or router
advertisements for its IPv6 ones, read off every gateway's external NIC.

    with Announcements(lab, port.mac) as heard:
        ...                                    # fail over
    heard.wait("gw2", t0)                      # True once gw2 announced something after t0
    heard.between(t0)                          # [Announcement(t, "gw2", "GARP for 203.0.113.10")]
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import names
from ..links import Endpoint
from ..observe.capture import CaptureSet
from ..observe.frames import Frame
from ..wait import WaitTimeout

if TYPE_CHECKING:
    from ..lab import Lab

ND_NA, ND_RA = 136, 134
ANNOUNCE_WAIT = 3.0
"""how long a failover waits for the new gateway's first announcement: OVN sent its first GARP
about 1 s after taking the port over here (pinctrl's timer), after traffic had already moved"""


@dataclass(frozen=True)
class Announcement:
    t: float
    chassis: str
    what: str


def describe(f: Frame) -> str | None:
    """A frame a gateway sends for its router port, in words, when it is an announcement."""
    if f.kind == "arp" and f.ip_src == f.ip_dst:
        return f"GARP for {f.ip_src}"
    if f.kind == "ipv6" and f.proto == "icmp6" and f.icmp_type == ND_NA:
        return f"unsolicited NA for {f.nd_target}" if f.ip_dst and f.ip_dst.startswith(
            "ff02::") else None
    if f.kind == "ipv6" and f.proto == "icmp6" and f.icmp_type == ND_RA:
        return "router advertisement"
    return None


@dataclass
class Announcements:
    """Captures ARP and ICMPv6 from `mac` on every gateway's external NIC while open."""

    lab: Lab
    mac: str
    folder: Path | None = None  # keep the pcaps here (a temporary folder when None)
    heard: list[Announcement] = field(default_factory=list)
    _caps: CaptureSet | None = None
    _tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Announcements:
        sc = self.lab.scenario
        gateways = [c for c in sc.chassis if sc.nodes[c].on_external]
        if self.folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ovn-testbed-announce-")
        points = [(Endpoint(c, names.external_nic(0)), self.lab.nodes[c].netns)
                  for c in gateways]
        self._caps = CaptureSet(points, self.folder or Path(self._tmp.name),
                                ["ether", "src", self.mac, "and", "(arp", "or", "icmp6)"],
                                direction="out")  # what this chassis sends, not what it hears
        self._caps.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._caps.settle()
            self._caps.stop()
            for end, frames in self._caps.frames().items():
                self.heard += [Announcement(f.ns / 1e9, end.node, what) for f in frames
                               if (what := describe(f.packet))]
            self.heard.sort(key=lambda a: a.t)
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    def wait(self, chassis: str, after: float, timeout: float = ANNOUNCE_WAIT) -> bool:
        """Wait for `chassis` to announce anything after `after` (epoch seconds); False when
        it did not within `timeout` (a finding, not an error: OVN announces IPv6 addresses
        with nothing)."""
        def seen(frames: list[Frame]) -> bool:
            return any(f.ns / 1e9 >= after and describe(f.packet) for f in frames)
        try:
            self._caps.wait_for(Endpoint(chassis, names.external_nic(0)), seen,
                                f"an announcement from {chassis}", timeout)
        except (WaitTimeout, StopIteration):  # not heard, or not captured there (a stop)
            return False
        return True

    def between(self, t: float, until: float = float("inf")) -> list[Announcement]:
        return [a for a in self.heard if t <= a.t < until]
