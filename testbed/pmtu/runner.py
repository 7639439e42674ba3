"""The largest packet each pair of hosts exchanges with don't-fragment, found with ping (the
prediction and the one above it first, then a bounded binary search), beside what OVN's path
and the scenario's MTUs predict (ovn/pathmtu.py).

    result = measure(lab)                        # every VM pair, every VM to each external host
    result = measure(lab, [("vm1", "ext")])
    [p for p in result.pairs if p.black_hole]    # full-size packets vanish, nothing says so

A ping of N bytes takes the request there and a reply of N bytes back: one figure per pair.
The sources' learned path MTUs are forgotten before and after (the kernel keeps what an ICMP
"fragmentation needed" announced, which would decide the next measurement by itself).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import wiring
from ..errors import TestbedError
from ..model import Role
from ..model.mtu import host_mtu
from ..ovn.pathmtu import PathMtu
from ..parallel import each
from ..walk.runner import host_ip

if TYPE_CHECKING:
    from ..lab import Lab

FLOOR = 576
"""the smallest packet searched (IPv4's minimum reassembly size)"""
MAX_PINGS = 16
"""pings per pair at most (2 for a prediction that holds, ~11 for a binary search)"""
WAIT = 1.0
"""seconds a ping waits for its answer"""


@dataclass
class PairMtu:
    source: str
    destination: str
    measured: int
    """the largest packet that went there and back with don't-fragment"""
    full: int
    """the source's NIC MTU: the size full-size packets have"""
    predicted: PathMtu
    announced: tuple[str, int] | None = None
    """(who, MTU) of an ICMP "fragmentation needed" a larger ping got"""
    pings: int = 0

    @property
    def black_hole(self) -> bool:
        return self.measured < self.full and self.announced is None

    @property
    def agrees(self) -> bool:
        return self.measured == self.predicted.largest

    @property
    def verdict(self) -> str:
        if self.measured >= self.full:
            return "full size"
        return "black hole" if self.black_hole else "announced"

    def to_json(self) -> dict:
        return {"source": self.source, "destination": self.destination,
                "measured": self.measured, "full": self.full, "verdict": self.verdict,
                "announced": list(self.announced) if self.announced else None,
                "predicted": self.predicted.to_json(), "agrees": self.agrees,
                "pings": self.pings}


@dataclass
class MtuResult:
    testbed: str
    pairs: list[PairMtu] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def black_holes(self) -> list[PairMtu]:
        return [p for p in self.pairs if p.black_hole]

    def to_json(self) -> dict:
        return {"testbed": self.testbed, "seconds": round(self.seconds, 2),
                "pairs": [p.to_json() for p in self.pairs]}


def default_pairs(lab: Lab) -> list[tuple[str, str]]:
    """Every pair of VMs, and every VM to each external host."""
    vms = sorted(lab.scenario.vms)
    hosts = lab.scenario.nodes_with(Role.external)
    return [*itertools.combinations(vms, 2), *((v, h) for v in vms for h in hosts)]


def measure(lab: Lab, pairs: list[tuple[str, str]] | None = None,
            progress=lambda _: None) -> MtuResult:
    pairs = pairs or default_pairs(lab)
    hosts = {*lab.scenario.vms, *lab.scenario.nodes_with(Role.external)}
    unknown = sorted({h for pair in pairs for h in pair} - hosts)
    if unknown:
        raise TestbedError(f"no host {', '.join(unknown)}; hosts: {', '.join(sorted(hosts))}")
    start = time.monotonic()
    sources = sorted({a for a, _ in pairs})
    forget(lab, sources)
    try:
        found = each(lambda pair: _pair(lab, *pair, progress), pairs, workers=8)
    finally:
        forget(lab, sources)
    return MtuResult(lab.name, found, time.monotonic() - start)


def forget(lab: Lab, hosts: list[str]) -> None:
    """Drop the path MTUs the hosts' kernels learned (written from the host: a container's
    /proc/sys is read-only)."""
    each(lambda h: wiring.set_sysctls(lab.nodes[h].netns, {"net.ipv4.route.flush": "1"}), hosts)


def _pair(lab: Lab, a: str, b: str, progress) -> PairMtu:
    sc = lab.scenario
    predicted = lab.path_mtu(a, b)
    dst_ip = host_ip(sc, b)
    host = lab.host(a)
    pair = PairMtu(a, b, 0, host_mtu(sc, a), predicted)

    def passes(size: int) -> bool:
        if pair.pings >= MAX_PINGS:
            raise TestbedError(f"{a} -> {b}: no answer after {MAX_PINGS} pings of a binary "
                               "search (is the path up at all? `testbed walk` shows it)")
        pair.pings += 1
        got = host.ping(dst_ip, count=1, wait=WAIT, size=size, df=True)
        pair.announced = pair.announced or got.frag_needed
        return got.received > 0
    guess = min(predicted.largest, pair.full)
    if passes(guess) and (guess >= pair.full or not passes(guess + 1)):
        pair.measured = guess
    else:
        pair.measured = _search(passes, FLOOR, pair.full)
    progress(f"{a} -> {b}: {pair.measured} bytes ({pair.verdict})")
    return pair


def _search(passes, low: int, high: int) -> int:
    """The largest size in [low, high] that passes (sizes pass up to a point, then fail)."""
    if not passes(low):
        return 0
    while low < high:
        mid = (low + high + 1) // 2
        if passes(mid):
            low = mid
        else:
            high = mid - 1
    return low



