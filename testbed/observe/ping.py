"""Results of iputils `ping`, parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import TestbedError

_REPLY = re.compile(r"from (\S+?):? icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms")
_STATS = re.compile(r"(\d+) packets transmitted, (\d+) received")
_FRAG = re.compile(r"From (\S+?):? icmp_seq=\d+ Frag needed and DF set \(mtu = (\d+)\)")
_RTT = re.compile(r"rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms")


@dataclass(frozen=True)
class PingResult:
    destination: str
    sent: int
    received: int
    ttls: list[int] = field(default_factory=list)
    rtts_ms: list[float] = field(default_factory=list)
    output: str = ""
    rtt_min_avg_max: tuple[float, float, float] | None = None
    """from the summary line (also with ping -q, which prints no reply lines)"""
    frag_needed: tuple[str, int] | None = None
    """(who, MTU) of an ICMP "fragmentation needed" that came back instead of a reply"""
    seqs: list[int] = field(default_factory=list)
    """icmp_seq of each reply line (none with ping -q)"""

    def answered_of(self, count: int) -> int:
        """How many of the first `count` probes were answered (by their sequence numbers).
        With a deadline (ping -w) ping sends until `count` replies came: a probe lost is
        replaced by one more, and so is every reply still on its way when it sends next,
        so `sent - received` counts replies in flight as lost on a slow machine; the
        sequence numbers do not."""
        return len({s for s in self.seqs if 1 <= s <= count})

    @property
    def loss(self) -> float:
        """Packet loss in percent."""
        return 100.0 * (self.sent - self.received) / self.sent if self.sent else 100.0

    def __str__(self) -> str:
        rtt = f", rtt avg {sum(self.rtts_ms) / len(self.rtts_ms):.2f} ms" if self.rtts_ms else ""
        return (f"ping {self.destination}: {self.received}/{self.sent} replies, "
                f"{self.loss:.0f}% loss, ttl {sorted(set(self.ttls))}{rtt}")


class PingNotRun(TestbedError, RuntimeError):
    """ping printed no statistics: it refused its arguments or could not send at all (no
    route, no such host). Not a loss: nothing was measured."""


def parse(destination: str, output: str) -> PingResult:
    """The statistics of a ping that ran; PingNotRun (with ping's words) for one that did not:
    a refused argument must never read as 100 % loss."""
    stats = _STATS.search(output)
    if not stats:
        said = " / ".join(line.strip() for line in output.splitlines() if line.strip())
        raise PingNotRun(f"ping {destination} did not run: {said or 'no output'}")
    replies = _REPLY.findall(output)
    rtt = _RTT.search(output)
    frag = _FRAG.search(output)
    return PingResult(destination, int(stats.group(1)), int(stats.group(2)),
                      [int(r[2]) for r in replies], [float(r[3]) for r in replies], output,
                      tuple(float(rtt.group(i)) for i in (1, 2, 3)) if rtt else None,
                      (frag.group(1), int(frag.group(2))) if frag else None,
                      [int(r[1]) for r in replies])
