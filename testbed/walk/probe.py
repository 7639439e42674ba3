"""The probe a walk sends, and the mark that tells its frames apart from everything else.

ICMP: `ping -e ID -p PATTERN` (the echo id is the mark). TCP: bash's /dev/tcp connect; the mark
is the 4-tuple, with the source port read from the first SYN captured on the source host. UDP:
bash's /dev/udp with a payload tag; the mark is the 4-tuple. A reply is the answer in the
other direction, or an ICMP error that quotes the probe.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..observe.frames import Frame

PROTOS = ("icmp", "tcp", "udp")
ECHO = {"icmp": (8, 0), "icmp6": (128, 129)}
"""echo request and reply types: ICMP's, ICMPv6's (an icmp probe to an IPv6 address)"""
TAG = "ovn-testbed-walk"
ANSWERS = ("SA", "R", "RA")
"""a TCP SYN's answers: accepted (SYN-ACK) or refused (RST)"""


@dataclass(frozen=True)
class Mark:
    proto: str
    src_ip: str
    dst_ip: str
    icmp_id: int | None = None
    sport: int | None = None
    dport: int | None = None
    dports: tuple[int, ...] = ()
    """other destination ports the request may carry on its way (a load balancer's backends'
    after DNAT)"""

    def leg(self, frame: Frame) -> str | None:
        """'request', 'reply' or None (not this probe's frame). TCP: the connection's first
        segment (SYN) is the request and the first answer (SYN-ACK, or a refusing RST) the
        reply; the rest of the connection is not the probe's."""
        p = frame.packet
        q = p.quoted
        if self.proto == "icmp":  # ICMP or ICMPv6, as the addresses are
            if p.proto in ECHO and p.icmp_id == self.icmp_id and p.icmp_type in ECHO[p.proto]:
                return "request" if p.icmp_type == ECHO[p.proto][0] else "reply"
            if q is not None and q.proto in ECHO and q.icmp_id == self.icmp_id:
                return "reply"
            return None
        if self.sport is None:
            return None
        ports = (self.dport, *self.dports)
        tcp = self.proto == "tcp"
        if p.proto == self.proto and p.sport == self.sport and p.dport in ports:
            return "request" if not tcp or p.tcp_flags == "S" else None
        if p.proto == self.proto and p.dport == self.sport and p.sport in ports:
            return "reply" if not tcp or p.tcp_flags in ANSWERS else None
        if q is not None and q.proto == self.proto and q.sport == self.sport and q.dport in ports:
            return "reply"
        return None

    def to_json(self) -> dict:
        return asdict(self)


IP_ICMP_HEADERS, IP_UDP_HEADERS, IPV6_ICMP_HEADERS = 28, 28, 48
MIN_SIZE, MAX_SIZE = 64, 9216
"""--size bounds: room for the walk's tag, up to jumbo frames"""
TIMEOUT = 2.0
"""Seconds a walk's probe waits for its answer. 1 s was too short while other testbeds came up
on the same two cores: a first packet still waiting for its chassis' ovs-vswitchd was taken
for a drop. A probe that is answered returns as soon as the answer is on disk."""


@dataclass(frozen=True)
class Probe:
    proto: str
    src_ip: str
    dst_ip: str
    port: int | None = None
    timeout: float = TIMEOUT
    icmp_id: int = 0
    size: int | None = None
    """the IP packet's size in bytes (ICMP, UDP); the tools' default when None"""
    df: bool = False
    """don't fragment: the source neither fragments it nor lets the path do so"""

    @classmethod
    def make(cls, proto: str, src_ip: str, dst_ip: str, port: int | None = None,
             timeout: float = TIMEOUT, size: int | None = None, df: bool = False) -> Probe:
        if proto not in PROTOS:
            raise ValueError(f"unknown probe protocol {proto!r}: use one of {', '.join(PROTOS)}")
        if proto != "icmp" and not port:
            raise ValueError(f"a {proto} probe needs a destination port (--port)")
        if size is not None and proto == "tcp":
            raise ValueError("a tcp probe is a connect (a SYN): --size applies to icmp and udp")
        if size is not None and not MIN_SIZE <= size <= MAX_SIZE:
            raise ValueError(f"--size {size}: an IP packet of {MIN_SIZE} to {MAX_SIZE} bytes")
        if df and proto == "udp":
            raise ValueError("--df applies to icmp probes (bash's /dev/udp cannot set it)")
        return cls(proto, src_ip, dst_ip, port, timeout, random.randint(1024, 65000), size, df)

    def argv(self) -> list[str]:
        """The command the source host runs to send the probe (an argument list, no shell values)."""
        wait = str(max(1, round(self.timeout)))
        if self.proto == "icmp":
            headers = IPV6_ICMP_HEADERS if ":" in self.dst_ip else IP_ICMP_HEADERS
            sized = ["-s", str(self.size - headers)] if self.size else []
            return ["ping", "-n", "-c", "1", "-W", wait, "-e", str(self.icmp_id),
                    "-p", TAG.encode()[:16].hex(), *sized, *(["-M", "do"] if self.df else []),
                    self.dst_ip]
        if self.proto == "tcp":
            return ["timeout", wait, "bash", "-c", 'exec 3<>"/dev/tcp/$0/$1"',
                    self.dst_ip, str(self.port)]
        tag = f"{TAG}-{self.icmp_id}"
        if self.size:  # padded to the size asked (20 bytes of IP, 8 of UDP)
            tag = tag.ljust(self.size - IP_UDP_HEADERS, ".")
        return ["bash", "-c", 'printf %s "$2" > "/dev/udp/$0/$1"', self.dst_ip, str(self.port),
                tag]

    def answered(self, result) -> bool:
        """Did the sending command see an answer? (ping got its reply; connect was accepted or
        refused, not timed out)."""
        if self.proto == "icmp":
            return result.rc == 0
        if self.proto == "tcp":
            return result.rc == 0 or "refused" in result.stderr.lower()
        return False

    def is_answer(self, f: Frame) -> bool:
        """A frame that answers this probe, arriving at its source."""
        p = f.packet
        if p.ip_dst != self.src_ip:
            return False
        if self.proto == "icmp":
            return (p.proto in ECHO and p.icmp_type == ECHO[p.proto][1]
                    and p.icmp_id == self.icmp_id) or (
                p.quoted is not None and p.quoted.icmp_id == self.icmp_id)
        return p.proto == self.proto and p.sport == self.port or (
            p.quoted is not None and p.quoted.dport == self.port)

    def mark(self, sent: list[Frame], dports: tuple[int, ...] = ()) -> Mark:
        """The mark, given what the source host sent (to learn a TCP/UDP source port);
        `dports`: the ports the destination port may be translated to."""
        if self.proto == "icmp":
            return Mark("icmp", self.src_ip, self.dst_ip, icmp_id=self.icmp_id)
        for f in sorted(sent, key=lambda f: f.ns):
            p = f.packet
            if (p.proto == self.proto and p.ip_src == self.src_ip and p.ip_dst == self.dst_ip
                    and p.dport == self.port and (self.proto == "udp" or p.tcp_flags == "S")):
                return Mark(self.proto, self.src_ip, self.dst_ip, sport=p.sport, dport=self.port,
                            dports=dports)
        return Mark(self.proto, self.src_ip, self.dst_ip, dport=self.port, dports=dports)
