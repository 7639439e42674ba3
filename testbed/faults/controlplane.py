"""A control-plane fault under traffic, as a timeline (a clustered central: replicas > 1).

    report = control_failover(lab, "sb")                  # kill the SB leader's ovsdb-server
    report = control_failover(lab, "nb", fault="stop")    # SIGSTOP the NB leader's server
    report = control_failover(lab, "northd")              # kill the active ovn-northd
    report = control_failover(lab, "central-2")           # partition a member (cut its mgmt)

A VM pings another every 10 ms (timestamped replies) while the fault lands. Right after it a
logical change is made: a probe port written to NB, whose OVS interface waits on a chassis, and
the time it is `ovn-installed` there says when the control plane worked again end to end. The
members' elections and northd's lock come from the daemons' own logs (faults/daemonlog.py).
The fault is then undone and the member's rejoining timed (`ovsdb-client wait ... connected`).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .. import wait
from ..errors import FaultError
from ..ovn import cluster
from ..parallel import each
from . import daemonlog
from .failover import PING, Phase, fill, replies
from .kinds import Faults

if TYPE_CHECKING:
    from ..lab import Lab

DAEMON = {"nb": "ovnnb_db", "sb": "ovnsb_db", "northd": "ovn-northd"}
FAULTS = {"kill", "stop", "cut"}


@dataclass
class ControlReport:
    target: str  # nb, sb, northd, or the member partitioned
    fault: str  # kill, stop, cut
    member: str  # the member the fault hit
    source: str
    destination: str
    interval: float
    at: float = 0.0  # fault injected (epoch seconds)
    nb_written: float | None = None  # NB took the probe port
    installed: float | None = None  # the probe port ovn-installed on its chassis
    leader: str = ""  # who leads (nb/sb) or is active (northd) after the fault
    restored: float | None = None
    rejoined: float | None = None  # the member connected to its clusters again
    said: list[daemonlog.Said] = field(default_factory=list)
    traffic: Phase | None = None
    sent: int = 0
    received: int = 0
    missing: int = 0  # echo numbers missing among the replies while the fault held

    @property
    def lost(self) -> int:
        """Echoes lost across a silence while the fault held (0: the data plane went on)."""
        return self.traffic.lost if self.traffic and self.traffic.gap is not None else 0

    def since(self, t: float | None) -> float | None:
        return None if t is None else t - self.at

    def to_json(self) -> dict:
        out = asdict(self)
        out.update({"nb_written_s": self.since(self.nb_written),
                    "installed_s": self.since(self.installed),
                    "rejoined_s": self.since(self.rejoined),
                    "gap": self.traffic.gap if self.traffic else None, "lost": self.lost})
        return out


def victim(lab: Lab, target: str) -> str:
    """The member a fault on `target` hits: the NB or SB leader, the active northd, a member."""
    sc = lab.scenario
    if not sc.clustered:
        raise FaultError(f"testbed {lab.name}'s central is standalone: a control-plane "
                         "failover needs a cluster (replicas: 3 on the central)")
    if target in sc.centrals:
        return target
    if target in ("nb", "sb"):
        found = cluster.leader(sc, lab.nodes, target)
        if found is None:
            raise FaultError(f"no {target.upper()} leader now: see `testbed cluster`")
        return found
    if target == "northd":
        active = [c for c, s in zip(sc.centrals, each(lambda c: cluster.northd(lab.nodes[c]),
                                                      sc.centrals), strict=True)
                  if s == "active"]
        if not active:
            raise FaultError("no ovn-northd is active now: see `testbed cluster`")
        return active[0]
    raise FaultError(f"no control-plane target {target!r}: nb, sb, northd or a member "
                     f"({', '.join(sc.centrals)})")


def _inject(faults: Faults, target: str, fault: str, member: str):
    if fault not in FAULTS:
        raise FaultError(f"no control-plane fault {fault!r}: {', '.join(sorted(FAULTS))}")
    if fault == "cut" or target not in DAEMON:  # a member partitioned: its mgmt link cut
        return faults.inject("cut", member, "mgmt")
    return faults.inject(fault, member, DAEMON[target])


def _taken_over(lab: Lab, target: str, member: str, timeout: float) -> str:
    """Who leads (NB, SB) or is active (northd) among the other members, once they do."""
    others = [c for c in lab.scenario.centrals if c != member]
    dbs = [target] if target in ("nb", "sb") else [] if target == "northd" else ["nb", "sb"]
    holder: dict[str, str] = {}

    def missing() -> list[str]:
        out = []
        if target == "northd":
            active = [c for c in others if cluster.northd(lab.nodes[c]) == "active"]
            holder.update({"northd": active[0]} if active else {})
            out += [] if active else [f"an active ovn-northd on {' or '.join(others)}"]
        for db in dbs:
            leads = [m.node for m in each(lambda c, db=db: cluster.status(lab.nodes[c], db),
                                          others) if m is not None and m.is_leader]
            holder.update({db: leads[0]} if leads else {})
            out += [] if leads else [f"a {db.upper()} leader among {', '.join(others)}"]
        return out
    wait.until(f"the control plane to go on without {member}", missing, timeout, interval=0.1)
    return ", ".join(f"{k}: {v}" for k, v in holder.items())


def _rejoined(lab: Lab, target: str, member: str, timeout: float) -> None:
    """The member is back: its servers connected to their clusters (`ovsdb-client wait`
    blocks on the server's own _Server database), its northd on standby."""
    node = lab.nodes[member]
    node.run_all([["ovsdb-client", f"--timeout={int(timeout)}", "wait", cluster.socket(db),
                   cluster.DATABASES[db][1], "connected"] for db in cluster.DATABASES])
    if target == "northd":
        wait.until(f"ovn-northd on {member} to be back on standby",
                   lambda: [] if cluster.northd(lab.nodes[member]) == "standby" else ["standby"],
                   timeout, interval=0.1)


def control_failover(lab: Lab, target: str = "sb", fault: str = "kill", source: str = "vm1",
                     destination: str | None = None, interval: float = 0.01,
                     timeout: float = 60.0) -> ControlReport:
    """`target`: nb or sb (their leader), northd (the active one) or a member (partitioned:
    `fault` is then cut); `fault`: kill, stop (SIGSTOP) or cut (the member's mgmt link)."""
    sc = lab.scenario
    member = victim(lab, target)
    fault = "cut" if target in sc.centrals else fault
    destination = destination or next(v for v in sc.vms if v != source)
    dst_ip = sc.host_ip(destination)
    report = ControlReport(target, fault, member, source, destination, interval)
    tools = lab.nodes[next(c for c in sc.centrals if c != member)]
    vm, probe = lab.nodes[source], None
    out = f"/tmp/control-{uuid.uuid4().hex[:8]}.txt"
    faults = Faults(lab)
    f = None

    def flowing(n: int):
        return lambda: [] if len(replies(vm.run(["cat", out], check=False).stdout)) >= n \
            else [f"{n} replies from {destination}"]
    try:
        probe = _Probe(lab, source)
        vm.spawn(["sh", "-c", PING, "sh", f"{interval:g}", str(int(4 * timeout / interval)),
                  dst_ip, out])
        wait.until("traffic to flow", flowing(20), timeout, interval=0.05)
        report.at = time.time()
        f = _inject(faults, target, fault, member)
        lab.progress(f"  {fault} {member} ({target}) at t=0")
        tools.exec([*lab.tool("ovn-nbctl"), f"--timeout={int(timeout)}", "lsp-add",
                    sc.ls(sc.vms[source].switch), probe.lsp])
        report.nb_written = time.time()
        probe.installed(timeout)
        report.installed = time.time()
        report.leader = _taken_over(lab, target, member, timeout)
        seen = len(replies(vm.run(["cat", out], check=False).stdout))
        wait.until("replies while the fault holds", flowing(seen + 20), timeout, interval=0.05)
        report.restored = time.time()
        faults.restore(f)
        f = None
        _rejoined(lab, target, member, timeout)
        report.rejoined = time.time()
    finally:
        vm.run(["pkill", "-INT", "-x", "ping"], check=False)
        if f is not None:
            faults.restore(f)
        if probe is not None:
            probe.remove(tools, lab.tool("ovn-nbctl"))
    text = vm.run(["cat", out], check=False).stdout
    vm.run(["rm", "-f", out], check=False)
    report.traffic = Phase("fault", report.at)
    got = replies(text)
    fill(report.traffic, got, interval, report.restored or float("inf"))
    report.missing = missing_while(got, report.at, report.restored or float("inf"))
    sent = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    report.sent, report.received = (int(sent.group(1)), int(sent.group(2))) if sent else (0, 0)
    report.said = said(lab, report.at - 0.5)
    return report


def missing_while(got: list[tuple[float, int]], start: float, end: float) -> int:
    """Echoes missing between the last reply before `start` and the first after `end`: what the
    data plane lost while the fault held (an echo still in flight when the ping is stopped is
    not counted, as `sent - received` would)."""
    before = [s for t, s in got if t <= start]
    after = [s for t, s in got if t >= end]
    inside = {s for t, s in got if start < t < end}
    first = before[-1] if before else min(inside, default=0)
    last = after[0] if after else max(inside, default=first)
    return sum(1 for s in range(first + 1, last) if s not in inside)


def said(lab: Lab, since: float) -> list[daemonlog.Said]:
    """What every member's NB and SB servers and northd logged since `since`, in time order."""
    def read(member: str) -> list[daemonlog.Said]:
        out = []
        for daemon, path in daemonlog.LOGS.items():
            text = lab.nodes[member].run(["cat", path], check=False).stdout
            out += daemonlog.parse(text, member, daemon, since)
        return out
    return daemonlog.named(sorted((s for found in each(read, lab.scenario.centrals)
                                   for s in found), key=lambda s: s.t))


class _Probe:
    """A port on the source VM's chassis waiting in OVS for its logical port: created in NB
    after the fault, its `ovn-installed` says the whole control plane works again."""

    def __init__(self, lab: Lab, vm: str):
        self.lsp = f"cp-probe-{uuid.uuid4().hex[:6]}"
        self.iface = self.lsp[:15]
        self.node = lab.nodes[lab.scenario.vms[vm].chassis]
        self.node.exec(["ovs-vsctl", "add-port", "br-int", self.iface, "--", "set", "Interface",
                        self.iface, "type=internal", f"external_ids:iface-id={self.lsp}"])

    def installed(self, timeout: float) -> None:
        self.node.exec(["ovs-vsctl", f"--timeout={int(timeout)}", "wait-until", "Interface",
                        self.iface, "external_ids:ovn-installed=true"])

    def remove(self, tools, nbctl: list[str]) -> None:
        tools.run([*nbctl, "--timeout=30", "--if-exists", "lsp-del", self.lsp], check=False)
        self.node.run(["ovs-vsctl", "--if-exists", "del-port", "br-int", self.iface], check=False)


def timeline(r: ControlReport) -> list[tuple[float, str]]:
    """The report's events as (seconds after the fault, what), in time order."""
    events = [(r.at, f"{r.fault} {r.member} ({r.target})"),
              (r.nb_written, "NB took the probe port"),
              (r.installed, "the probe port is ovn-installed on its chassis"),
              (r.restored, "fault undone"), (r.rejoined, f"{r.member} connected again")]
    if r.traffic and r.traffic.gap is not None:
        events += [(r.traffic.last_before, "last reply before the gap"),
                   (r.traffic.first_after, "first reply after the gap")]
    events += [(s.t, s.describe()) for s in r.said]
    return sorted((t - r.at, what) for t, what in events if t)


def render(r: ControlReport) -> str:
    gap = r.traffic.gap if r.traffic else None
    lines = [f"# {r.fault} {r.member} ({r.target}): traffic {r.source} -> {r.destination} "
             f"every {r.interval * 1000:g} ms", "",
             f"- after the fault: {r.leader}",
             f"- a logical change applied on a chassis {r.since(r.installed):.3f} s after the "
             f"fault (NB took it after {r.since(r.nb_written):.3f} s)" if r.installed else
             "- no logical change was applied while the fault held",
             f"- data plane: {r.received} of {r.sent} echoes answered, {r.missing} missing "
             "while the fault held; " + (
                 f"gap {gap:.3f} s, {r.traffic.lost} lost" if r.lost else
                 "traffic kept flowing, no echo lost while the fault held" + (
                     f" (its longest pause, {gap:.3f} s, lost nothing)" if gap else "")),
             f"- {r.member} connected again {r.rejoined - r.restored:.3f} s after the fault "
             "was undone" if r.rejoined and r.restored else f"- {r.member} did not rejoin",
             "", "## timeline"]
    lines += [f"- t{t:+.3f} s: {what}" for t, what in timeline(r)]
    return "\n".join(lines) + "\n"


def rows(r: ControlReport) -> list[tuple[str, list[tuple[float, str]]]]:
    """The picture's rows: the fault, each member's daemons as they said, the probe, replies."""
    out = [("fault", [(0.0, r.fault)] + ([(r.since(r.restored), "undone")] if r.restored
                                         else []))]
    by_row: dict[str, list[list]] = {}
    for s in r.said:
        if s.what == "lost a peer":
            continue
        row = by_row.setdefault(f"{s.member} {'northd' if s.daemon == 'northd' else s.daemon.upper()}", [])
        what = s.what.split(" (")[0]
        if row and row[-1][1] == what:  # a member that keeps trying: one dot, counted
            row[-1][2] += 1
        else:
            row.append([s.t - r.at, what, 1])
    out += sorted((label, [(t, what if n == 1 else f"{what} x{n}") for t, what, n in row])
                  for label, row in by_row.items())
    out.append(("probe port", [(t, w) for t, w in ((r.since(r.nb_written), "in NB"),
                                                   (r.since(r.installed), "installed"))
                               if t is not None]))
    if r.rejoined:
        out.append((f"{r.member} rejoined", [(r.since(r.rejoined), "connected")]))
    gap = r.traffic.gap if r.traffic else None
    out.append(("replies", [(r.since(t), w) for t, w in (
        (r.traffic.last_before, "last"), (r.traffic.first_after, "first"))
        if t] if gap is not None else [(0.0, "no gap")]))
    return out


def svg(r: ControlReport) -> str:
    from ..report import timeline_svg

    gap = r.traffic.gap if r.traffic else None
    title = f"{r.fault} {r.member} ({r.target}): " + (
        f"installed after {r.since(r.installed):.3f} s" if r.installed else "nothing installed")
    span = (r.since(r.traffic.last_before), r.since(r.traffic.first_after)) if gap else None
    return timeline_svg.document([(title, rows(r), "replies", span)])
