"""Where a load balancer sends new connections: N connections from one host to the VIP, each
from a new source port, counted by the backend that answered (each answers its name).

    s = spread(lab, "web", "vm1", count=30)
    s.by_backend       # {"vm3": 9, "vm4": 11, "vm6": 10}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .service import lb_of

if TYPE_CHECKING:
    from ..lab import Lab

MAX_COUNT = 1000
ASK = ('for i in $(seq "$1"); do r=$(busybox nc -w "$2" "$3" "$4" </dev/null 2>/dev/null); '
       'echo "${r:-FAIL}"; done')
"""one connection per line: the backend's name, or FAIL (refused, or no answer in time)"""


@dataclass
class Spread:
    lb: str
    source: str
    vip: str
    count: int
    by_backend: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def render(self) -> str:
        parts = ", ".join(f"{b} {n}" for b, n in sorted(self.by_backend.items()))
        return (f"{self.count} connections {self.source} -> {self.lb} ({self.vip}): "
                f"{parts or 'none answered'}" + (f", {self.failed} failed" if self.failed else ""))


def answers(text: str) -> Counter:
    return Counter(line.strip() for line in text.splitlines() if line.strip())


def spread(lab: Lab, name: str, source: str, count: int = 30, timeout: int = 2) -> Spread:
    """`count` connections from `source` to load balancer `name`'s VIP, one after another."""
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be 1 to {MAX_COUNT}")
    lb = lb_of(lab, name)
    if lb.protocol != "tcp":
        raise ValueError(f"{name} balances {lb.protocol}: the spread opens TCP connections")
    if source not in lab.nodes:
        raise ValueError(f"no host {source!r} in testbed {lab.name}")
    out = lab.nodes[source].run(["sh", "-c", ASK, "sh", str(count), str(timeout), lb.vip,
                                 str(lb.port)], check=False)
    got = answers(out.stdout)
    failed = got.pop("FAIL", 0)
    return Spread(name, source, f"{lb.vip}:{lb.port}", count, dict(got), failed)
