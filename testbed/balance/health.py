"""A load balancer's health check, measured: a backend's service stops (the fault) and comes
back, while a client opens a connection to the VIP every 100 ms; a RowEvent on SB
Service_Monitor records when OVN's service monitor marks the backend offline and online.

    report = health(lab, "web", "vm4")
    report.phases[0].offline - report.phases[0].at      # seconds until OVN noticed
    report.phases[0].last_failed - report.phases[0].at  # until no new connection failed on it

The bound a health check promises: `failure_count` probes `interval` s apart, each waiting up to
`timeout` s, before the backend leaves the pool; `success_count` answers to come back.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .. import wait
from ..model.lb import backend_ip
from ..ovn.events import Timeline
from . import service

if TYPE_CHECKING:
    from ..lab import Lab

CLIENT = ('for i in $(seq "$1"); do r=$(busybox nc -w 1 "$2" "$3" </dev/null 2>/dev/null); '
          'echo "$(date +%s.%N) ${r:-FAIL}"; sleep 0.1; done > "$4" 2>&1')
"""a connection every ~100 ms: when it ended, and the backend's name or FAIL"""


class MonitorStatus(Timeline):
    """Every status of one backend's SB Service_Monitor row, with when it arrived."""

    what = "OVN's service monitor status"

    def __init__(self, ip: str, port: int):
        super().__init__("Service_Monitor", (("ip", "=", ip), ("port", "=", port)),
                         created=True)

    def value(self, row) -> str:
        return row.status[0] if row.status else ""


@dataclass
class Phase:
    name: str  # "down" (the service stopped) or "up" (started again)
    at: float
    monitor: float | None = None  # SB Service_Monitor says offline / online
    last_failed: float | None = None  # down: the last connection that failed on the backend
    first_back: float | None = None  # up: the first connection the backend answered again

    def to_json(self) -> dict:
        return {**asdict(self), **{f"{k}_s": round(getattr(self, k) - self.at, 3)
                                   for k in ("monitor", "last_failed", "first_back")
                                   if getattr(self, k) is not None}}


@dataclass
class HealthReport:
    lb: str
    backend: str
    source: str  # the VM that opens the connections
    bound_s: float  # failure_count x interval + timeout: when OVN should have noticed
    phases: list[Phase] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    def to_json(self) -> dict:
        return {**{k: v for k, v in asdict(self).items() if k != "phases"},
                "phases": [p.to_json() for p in self.phases]}

    def render(self) -> str:
        lines = [f"# {self.lb}: {self.backend}'s service stopped and started again, a "
                 f"connection from {self.source} every 100 ms", "",
                 f"answers: {', '.join(f'{b} {n}' for b, n in sorted(self.answers.items()))}; "
                 f"{self.failed} failed; OVN's bound to notice: {self.bound_s:g} s", ""]
        for p in self.phases:
            lines.append(f"## {p.name}")
            if p.monitor:
                lines.append(f"- t+{p.monitor - p.at:.3f} s: the service monitor says "
                             f"{'offline' if p.name == 'down' else 'online'}")
            if p.last_failed:
                lines.append(f"- t+{p.last_failed - p.at:.3f} s: the last connection that "
                             f"failed on {self.backend}; none after")
            if p.first_back:
                lines.append(f"- t+{p.first_back - p.at:.3f} s: {self.backend} answers a new "
                             "connection again")
            lines.append("")
        return "\n".join(lines)


def outcomes(text: str) -> list[tuple[float, str]]:
    out = []
    for line in text.splitlines():
        t, _, what = line.partition(" ")
        try:
            out.append((float(t), what.strip()))
        except ValueError:
            continue
    return out


def health(lab: Lab, name: str, backend: str, source: str | None = None,
           timeout: float = 30.0) -> HealthReport:
    """Stop `backend`'s service, measure, start it again, measure; the service is running
    again afterwards whatever happened."""
    sc = lab.scenario
    lb = service.lb_of(lab, name)
    entry = next((e for e in lb.backends if lb.backend(e)[0] == backend), None)
    if entry is None or lb.health_check is None:
        raise ValueError(f"{name} has no health-checked backend {backend!r}; backends: "
                         f"{', '.join(lb.backend(e)[0] for e in lb.backends)}")
    source = source or next(v for v in sc.vms if all(lb.backend(e)[0] != v for e in lb.backends))
    port = lb.backend(entry)[1]
    hc = lb.health_check
    report = HealthReport(name, backend, source,
                          hc.failure_count * hc.interval + hc.timeout)
    event = MonitorStatus(backend_ip(sc, lb, entry), port)
    tag = f"lb-health-{uuid.uuid4().hex[:8]}"  # names the client loop, to stop it
    out = f"/tmp/{tag}.txt"
    node = lab.nodes[source]
    lab.sb.watch(event)
    try:
        node.spawn(["sh", "-c", CLIENT, tag, str(int(4 * timeout / 0.1)), lb.vip,
                    str(lb.port), out])
        down = Phase("down", time.time())
        service.stop(lab, backend, port)
        down.monitor = event.wait_for("offline", down.at, timeout)
        _settle(node, out, down.at, timeout)
        up = Phase("up", time.time())
        service.start(lab, backend, port)
        up.monitor = event.wait_for("online", up.at, timeout)
        wait.until(f"{backend} to answer through the VIP again", lambda: [] if any(
            w == backend and t > up.at for t, w in _read(node, out)) else [
            f"an answer from {backend}"], timeout, interval=0.1)
        report.phases = [down, up]
    finally:
        lab.sb.unwatch(event)
        node.run(["pkill", "-f", tag], check=False)
        service.start(lab, backend, port)
    got = _read(node, out)
    node.run(["rm", "-f", out], check=False)
    _fill(report, got)
    return report


def _read(node, out: str) -> list[tuple[float, str]]:
    return outcomes(node.run(["cat", out], check=False).stdout)


def _settle(node, out: str, since: float, timeout: float, quiet: float = 1.5) -> None:
    """Wait until connections have gone on succeeding for `quiet` s (none failing)."""
    def missing() -> list[str]:
        got = [(t, w) for t, w in _read(node, out) if t > since]
        fails = [t for t, w in got if w == "FAIL"]
        last = max(fails, default=since)
        ok_after = [t for t, w in got if t > last and w != "FAIL"]
        return [] if ok_after and ok_after[-1] - last >= quiet else [
            f"{quiet:g} s of connections without a failure"]
    wait.until("the pool to be healthy without the stopped backend", missing, timeout,
               interval=0.1)


def _fill(report: HealthReport, got: list[tuple[float, str]]) -> None:
    down, up = report.phases if len(report.phases) == 2 else (None, None)
    for _, what in got:
        if what == "FAIL":
            report.failed += 1
        else:
            report.answers[what] = report.answers.get(what, 0) + 1
    if down is not None:
        down.last_failed = max((t for t, w in got if w == "FAIL" and down.at <= t < up.at),
                               default=None)
        up.first_back = min((t for t, w in got if w == report.backend and t > up.at),
                            default=None)
