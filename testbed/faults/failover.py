"""Gateway failover and failback under traffic, as a timeline.

    report = failover(lab, "kill", "ovs-vswitchd")       # fault on the active gateway

A VM pings the external host every 10 ms (timestamped replies, `ping -D`). The fault is injected
on the gateway chassis that holds the router's chassisredirect port; an ovsdbapp RowEvent on
SB Port_Binding records when the port moves (no polling), then the external switch learning the
router's MAC on the new gateway's port, what the new gateway announced (GARPs for IPv4,
unsolicited NAs or RAs for IPv6: faults/announce.py), the first reply after the gap; then the
fault is undone and the same is measured for the failback. IPv4 or IPv6 (`ipv6`) traffic.
"""

from __future__ import annotations

import re
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import names, wait
from ..model import Role
from ..ovn import readiness
from ..ovn.events import Timeline
from ..tor import external_port_of
from .announce import Announcement, Announcements
from .bfdwatch import BfdChange, BfdWatch
from .kinds import Faults

if TYPE_CHECKING:
    from ..lab import Lab

_REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from \S+ icmp_seq=(\d+)")
PING = 'exec ping -D -n -i "$1" -c "$2" -W 1 "$3" > "$4" 2>&1'
"""Values come in as positional parameters, never formatted into the script."""


class PortMoved(Timeline):
    """Every update of one SB Port_Binding's chassis, with the time it arrived."""

    what = "the port's chassis"

    def __init__(self, port: str):
        super().__init__("Port_Binding", (("logical_port", "=", port),))

    def match_fn(self, event, row, old):
        return hasattr(old, "chassis")

    def value(self, row) -> str | None:
        return row.chassis[0].name if row.chassis else None


@dataclass
class Phase:
    """One direction: failover (fault in) or failback (fault out)."""

    name: str
    at: float  # when the fault was injected / undone
    sb_moved: float | None = None  # when SB bound the port to the other chassis
    announced: float | None = None  # when the external switch learned the MAC there
    last_before: float | None = None  # last reply before the gap
    first_after: float | None = None  # first reply after it
    lost: int = 0
    bfd: list[BfdChange] = field(default_factory=list)  # BFD sessions changing state
    announcements: list[Announcement] = field(default_factory=list)  # GARP, NA, RA heard

    @property
    def gap(self) -> float | None:
        return (self.first_after - self.last_before) if self.first_after and self.last_before \
            else None

    def to_json(self) -> dict:
        return {**asdict(self), "gap": self.gap,
                "sb_move_s": self.sb_moved - self.at if self.sb_moved else None}


@dataclass
class FailoverReport:
    fault: str
    router: str
    source: str
    target: str
    from_chassis: str
    to_chassis: str
    interval: float
    phases: list[Phase] = field(default_factory=list)
    sent: int = 0
    received: int = 0
    target_ip: str = ""

    def to_json(self) -> dict:
        return {**{k: v for k, v in asdict(self).items() if k != "phases"},
                "phases": [p.to_json() for p in self.phases]}


def replies(text: str) -> list[tuple[float, int]]:
    """`ping -D` output -> [(time, icmp_seq)] of the replies."""
    return [(float(m.group(1)), int(m.group(2))) for line in text.splitlines()
            if (m := _REPLY.match(line.strip()))]


def fill(phase: Phase, got: list[tuple[float, int]], interval: float,
         until: float = float("inf")) -> None:
    """The gap: the first silence longer than 3 intervals after the fault and before the next
    phase (`until`) across which echoes were lost; lost = the echo sequence numbers missing
    across it. A silence with nothing missing is the sender or the machine pausing (a CPU
    stall while the fault lands), not the data path: it counts only when no silence lost
    anything. No silence at all: no gap (a fault that leaves the data path alone, like
    dropping BFD only, may move the port without losing anything)."""
    before = [(t, s) for t, s in got if t <= phase.at]
    after = [(t, s) for t, s in got if phase.at < t < until]
    prev = before[-1] if before else None
    silences = []
    for t, s in after:
        if prev is not None and t - prev[0] > 3 * interval:
            silences.append((prev, (t, s)))
        prev = (t, s)
    lossy = [(a, b) for a, b in silences if b[1] - a[1] > 1]
    if silences:
        (t0, s0), (t1, s1) = (lossy or silences)[0]
        phase.last_before, phase.first_after, phase.lost = t0, t1, s1 - s0 - 1


def failover(lab: Lab, fault: str = "kill", target: str = "ovs-vswitchd",
             router: str = "R1", source: str = "vm1", destination: str | None = None,
             interval: float = 0.01, timeout: float = 30.0,
             ipv6: bool = False, pcaps: Path | None = None) -> FailoverReport:
    """`ipv6`: the traffic runs between the hosts' IPv6 addresses; `pcaps`: keep what the
    gateways announced (their external NICs, outbound) in this folder."""
    sc = lab.scenario
    if router not in sc.routers:
        raise ValueError(f"no router {router!r} in testbed {lab.name}; routers with a gateway "
                         "port: " + (", ".join(sorted(r for r, rt in sc.routers.items()
                                                      if rt.gateway_port)) or "none"))
    port = sc.routers[router].gateway_port
    if port is None:
        raise ValueError(f"{router} has no gateway port: nothing to fail over")
    destination = destination or sc.nodes_with(Role.external)[0]
    address = sc.nodes[destination].address6 if ipv6 else sc.nodes[destination].address
    if address is None:
        raise ValueError(f"{destination} has no IPv6 address (address6) to send traffic to")
    dst_ip = address.split("/")[0]
    cr = names.chassisredirect_port(sc.router_port_name(router, port))
    active = lab.active_gateway(router)
    others = sorted((c for c in port.gateway_chassis if c != active),
                    key=lambda c: -port.gateway_chassis[c])
    if not others:
        raise ValueError(f"{cr} has no other gateway chassis to fail over to")
    report = FailoverReport(f"{fault} {active} {target}".strip(), router, source, destination,
                            active, others[0], interval, target_ip=dst_ip)
    vm = lab.nodes[source]
    faults = Faults(lab)
    out = f"/tmp/failover-{uuid.uuid4().hex[:8]}.txt"
    count = int(2 * timeout / interval)
    event = PortMoved(cr)
    lab.sb.watch(event)
    tor = lab.nodes[sc.tor]
    with BfdWatch(lab) as bfd, Announcements(lab, port.mac, pcaps) as heard:
        try:
            vm.spawn(["sh", "-c", PING, "sh", f"{interval:g}", str(count), dst_ip, out])

            def flowing(n: int):
                def missing() -> list[str]:
                    got = replies(vm.run(["cat", out], check=False).stdout)
                    return [] if len(got) >= n else [f"{n} replies from {destination} ({len(got)})"]
                return missing
            wait.until("traffic to flow", flowing(20), timeout, interval=0.05)
            for name, new, act in (("failover", others[0], "inject"), ("failback", active, "restore")):
                at = time.time()
                if act == "inject":
                    f = faults.inject(fault, active, target)
                else:
                    faults.restore(f)
                phase = Phase(name, at)
                phase.sb_moved = event.wait_for(new, at, timeout)
                wait.until(f"the external switch to learn {router}'s MAC on {new}",
                           lambda new=new: [] if external_port_of(
                               tor, port.mac, sc.chassis, len(sc.external_physnets)) == new
                           else [f"MAC on x-{new}"], timeout, interval=0.02)
                phase.announced = time.time()
                seen = len(replies(vm.run(["cat", out], check=False).stdout))
                wait.until("replies after the move", flowing(seen + 20), timeout, interval=0.05)
                heard.wait(new, at)
                report.phases.append(phase)
        finally:
            lab.sb.unwatch(event)
            vm.run(["pkill", "-INT", "-x", "ping"], check=False)
            if faults.active:
                faults.restore_all()
    for i, phase in enumerate(report.phases):
        until = report.phases[i + 1].at if i + 1 < len(report.phases) else float("inf")
        phase.bfd = [ch for ch in bfd.changes if phase.at <= ch.t < until]
        phase.announcements = heard.between(phase.at, until)
    text = vm.run(["cat", out], check=False).stdout
    vm.run(["rm", "-f", out], check=False)
    got = replies(text)
    sent = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    report.sent, report.received = (int(sent.group(1)), int(sent.group(2))) if sent else (0, 0)
    for phase, until in zip(report.phases, [p.at for p in report.phases[1:]] + [float("inf")],
                            strict=True):
        fill(phase, got, interval, until)
    return report


def set_bfd(lab: Lab, min_rx: int, min_tx: int, mult: int) -> None:
    """BFD timers for every tunnel on a running testbed, then wait for the chassis."""
    from ..ovn.logical import set_bfd as set_nb_bfd

    set_nb_bfd(lab.nb, min_rx, min_tx, mult)
    readiness.chassis_caught_up(lab.scenario, lab.nodes)


BFD_KEYS = ("bfd-min-rx", "bfd-min-tx", "bfd-mult")


@contextmanager
def tuned(lab: Lab, bfd_ms: int | None = None, max_revalidator_ms: int | None = None):
    """BFD timers (NB_Global) and max-revalidator (every chassis) set for a block and put back
    as they were after it: a failover's settings must not outlive it unseen."""
    central = lab.nodes[lab.scenario.central]
    nbctl = lab.tool("ovn-nbctl")
    before_bfd = {k: _get(central, [*nbctl, "--if-exists", "get", "NB_Global", ".",
                                    f"options:{k}"]) for k in BFD_KEYS}
    before_rev = {c: _get(lab.nodes[c], ["ovs-vsctl", "--if-exists", "get", "Open_vSwitch", ".",
                                        "other_config:max-revalidator"])
                  for c in lab.scenario.chassis} if max_revalidator_ms else {}
    try:
        if bfd_ms:
            set_bfd(lab, bfd_ms, bfd_ms, 3)
        if max_revalidator_ms:
            set_max_revalidator(lab, max_revalidator_ms)
        yield
    finally:
        if bfd_ms:
            central.exec([*nbctl, "remove", "NB_Global", ".", "options", *BFD_KEYS])
            kept = {k: v for k, v in before_bfd.items() if v}
            if kept:
                central.exec([*nbctl, "set", "NB_Global", ".",
                              *(f"options:{k}={v}" for k, v in kept.items())])
            readiness.chassis_caught_up(lab.scenario, lab.nodes)
        for chassis, value in before_rev.items():
            lab.nodes[chassis].exec(
                ["ovs-vsctl", "set", "Open_vSwitch", ".", f"other_config:max-revalidator={value}"]
                if value else ["ovs-vsctl", "remove", "Open_vSwitch", ".", "other_config",
                               "max-revalidator"])


def _get(node, argv: list[str]) -> str:
    """A single OVSDB value as ovn-nbctl/ovs-vsctl print it, unquoted ('' when unset)."""
    return node.exec(argv).strip().strip('"')


def set_max_revalidator(lab: Lab, ms: int | None) -> None:
    """ovs-vswitchd's max-revalidator on every chassis of a running testbed (None: OVS's
    default, 500 ms). Measured here: after a takeover the new gateway drops N/S replies until
    its datapath flows are revalidated, so this interval shows in the traffic gap."""
    for name in lab.scenario.chassis:
        key = "other_config:max-revalidator"
        lab.nodes[name].exec(["ovs-vsctl", "set", "Open_vSwitch", ".", f"{key}={ms}"] if ms
                            else ["ovs-vsctl", "remove", "Open_vSwitch", ".", "other_config",
                                  "max-revalidator"])


def timeline(p: Phase, r: FailoverReport) -> list[tuple[float, str]]:
    """One phase's events as (time, what), in time order."""
    new, old = (r.to_chassis, r.from_chassis) if p.name == "failover" else (r.from_chassis,
                                                                            r.to_chassis)
    events = [(p.at, "fault injected" if p.name == "failover" else "fault undone"),
              (p.last_before, "last reply before the gap"),
              (p.sb_moved, f"SB binds the chassisredirect port to {new}"),
              (p.first_after, "first reply after the gap"),
              (p.announced, f"the external switch has the router's MAC on {new} (was {old})")]
    events += [(ch.t, ch.describe()) for ch in p.bfd]
    first: dict[tuple[str, str], float] = {}
    for a in p.announcements:  # the first of each kind from each chassis (OVN repeats them)
        first.setdefault((a.chassis, a.what), a.t)
    events += [(t, f"{chassis} announces on the external network: {what}")
               for (chassis, what), t in first.items()]
    return sorted((t, what) for t, what in events if t)


def render(r: FailoverReport) -> str:
    """The timeline in words, times relative to each phase's fault or restore."""
    lines = [f"# {r.fault}: {r.router}'s gateway port, traffic {r.source} -> {r.target} "
             f"({r.target_ip}) every "
             f"{r.interval * 1000:g} ms", "",
             f"{r.received} of {r.sent} echoes answered", ""]
    for p in r.phases:
        who = (r.from_chassis, r.to_chassis) if p.name == "failover" else (r.to_chassis,
                                                                          r.from_chassis)
        lines.append(f"## {p.name} ({who[0]} -> {who[1]})")
        lines += [f"- t{t - p.at:+.3f} s: {what}" for t, what in timeline(p, r)]
        lines += [f"- gap {p.gap:.3f} s, {p.lost} echoes lost" if p.gap is not None else
                  "- no gap seen"]
        if ":" in r.target_ip and not any("NA" in a.what or "router" in a.what
                                          for a in p.announcements if a.chassis == who[1]):
            lines.append(f"- {who[1]} announced no IPv6 address (no unsolicited NA, no RA): the "
                         "external network learned the move from the traffic alone")
        lines.append("")
    return "\n".join(lines)
