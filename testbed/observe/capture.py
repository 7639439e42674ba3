"""Packet captures with tcpdump inside a node, read back as frames (MACs, VLAN, IPs, TTL)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .. import wait
from ..manager.docker import Node

_HEAD = re.compile(r"^\S+ (?P<src>[0-9a-f:]{17}) > (?P<dst>[0-9a-f:]{17}), ethertype (?P<rest>.*)$")
_VLAN = re.compile(r"vlan (\d+), p \d+")
_TTL = re.compile(r"ttl (\d+)")
_L3 = re.compile(r"^\s+(?P<src>[\d.]+) > (?P<dst>[\d.]+): (?P<what>.*)$")


@dataclass(frozen=True)
class Frame:
    src_mac: str
    dst_mac: str
    vlan: int | None
    ttl: int | None = None
    src_ip: str | None = None
    dst_ip: str | None = None
    what: str = ""


@dataclass
class Capture:
    node: str
    interface: str
    text: str = ""
    frames: list[Frame] = field(default_factory=list)

    def icmp(self, kind: str, src_ip: str, dst_ip: str) -> list[Frame]:
        """Frames carrying an ICMP 'echo request' or 'echo reply' from src_ip to dst_ip."""
        return [f for f in self.frames
                if f.src_ip == src_ip and f.dst_ip == dst_ip and f"ICMP {kind}" in f.what]


def parse(text: str) -> list[Frame]:
    """Parse `tcpdump -nn -e -v -r FILE` output (IPv4 frames, tagged or not)."""
    frames: list[Frame] = []
    head: dict | None = None
    for line in text.splitlines():
        m = _HEAD.match(line)
        if m:
            vlan = _VLAN.search(m["rest"])
            ttl = _TTL.search(m["rest"])
            head = {"src_mac": m["src"], "dst_mac": m["dst"],
                    "vlan": int(vlan.group(1)) if vlan else None,
                    "ttl": int(ttl.group(1)) if ttl else None}
            continue
        m = _L3.match(line)
        if m and head is not None:
            frames.append(Frame(**head, src_ip=m["src"], dst_ip=m["dst"], what=m["what"]))
            head = None
    return frames


@contextmanager
def capture(node: Node, interface: str, bpf: str = "icmp or (vlan and icmp)") -> Iterator[Capture]:
    """Capture on `interface` of `node` while the block runs; the result is filled on exit."""
    base = f"/tmp/capture-{uuid.uuid4().hex[:8]}"
    node.spawn(f"echo $$ > {base}.pid; exec tcpdump -Z root --immediate-mode -U -nn "
               f"-i {interface} -w {base}.pcap '{bpf}' 2> {base}.log")

    def not_listening():
        log = node.exec(f"cat {base}.log 2>/dev/null", check=False)
        if "tcpdump:" in log and "listening on" not in log:
            raise RuntimeError(f"tcpdump on {node.name}:{interface} failed: {log.strip()}")
        return [] if "listening on" in log else [f"tcpdump on {node.name}:{interface}"]

    result = Capture(node.name, interface)
    try:
        wait.until("the capture to start", not_listening, timeout=15, interval=0.05)
        yield result
    finally:
        node.exec(f"kill -INT $(cat {base}.pid) 2>/dev/null; "
                  f"while kill -0 $(cat {base}.pid) 2>/dev/null; do sleep 0.05; done", check=False)
        result.text = node.exec(f"tcpdump -Z root -nn -e -v -r {base}.pcap 2>/dev/null", check=False)
        result.frames = parse(result.text)
        node.exec(f"rm -f {base}.pcap {base}.log {base}.pid", check=False)
