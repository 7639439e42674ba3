"""Run concurrent flows, watch the ToR, and say what each routing mode does to its MAC table.

    result = flap(lab, rate=20, duration=2.5)                    # the current modes
    results = compare_modes(lab, "R1")                           # every mode, then back

Three views of the same flows, all reported:
- the switch's own counter of moved MAC entries (exact; on the OVS ToR it is updated when the
  datapath's flows are revalidated, about twice a second, not per frame);
- the switch's table over time (polled on OVS, event log on the Linux bridge);
- what a ToR that learns on every frame would do, rebuilt from captures on the ToR's ports.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TestbedError
from ..observe.capture import CaptureSet
from ..observe.ping import PingResult
from ..ovn import modes as routing_modes
from ..walk import tortable
from ..walk.runner import next_folder, walk

if TYPE_CHECKING:
    from ..lab import Lab

MAX_RATE, MAX_DURATION = 100, 30.0
SEED_FLOWS = (("vm1", "vm4"), ("vm6", "vm3"))


class FlapError(TestbedError, RuntimeError):
    """A flap that measured nothing (a flow whose ping did not run, or no answer at all)."""


@dataclass
class Flow:
    source: str
    destination: str
    sent: int = 0
    received: int = 0
    rtt_ms: tuple[float, float, float] | None = None  # min, avg, max
    routed_by: tuple[str | None, str | None] = (None, None)  # request, reply
    overlay: tuple[bool, bool] = (False, False)

    @property
    def loss(self) -> float:
        return 100.0 * (self.sent - self.received) / self.sent if self.sent else 100.0


@dataclass
class FlapResult:
    modes: dict[str, str]
    rate: float
    duration: float
    flows: list[Flow]
    counter_moves: int  # the switch's counter, delta over the flows
    counted: list[tuple[float, int]] = field(default_factory=list)  # (t, moves) by the switch
    table_moves: list[dict] = field(default_factory=list)  # moves seen in the switch's table
    frame_moves: list[dict] = field(default_factory=list)  # a per-frame learning ToR's moves
    router_macs: dict[str, str] = field(default_factory=dict)  # MAC -> what it is
    table_after: list[dict] = field(default_factory=list)
    started: float = 0.0
    elapsed: float = 0.0
    on_switch: dict | None = None  # the same flows in the first second after switching modes
    ipv6: bool = False  # the flows ran over IPv6

    @property
    def moves_per_s(self) -> float:
        return self.counter_moves / self.duration if self.duration else 0.0

    @property
    def router_mac_flips(self) -> int:
        """Per-frame moves of router or chassis MACs (what flaps on a hardware ToR)."""
        return sum(1 for m in self.frame_moves if m["mac"] in self.router_macs)

    def moving_macs(self) -> set[tuple[int, str]]:
        return {(m["vlan"], m["mac"]) for m in self.frame_moves + self.table_moves}

    def to_json(self) -> dict:
        d = asdict(self)
        d.update(moves_per_s=round(self.moves_per_s, 2), router_mac_flips=self.router_mac_flips,
                 flows=[{**asdict(f), "loss": f.loss} for f in self.flows])
        return d


def default_flows(lab: Lab) -> list[tuple[str, str]]:
    if all(a in lab.scenario.vms and b in lab.scenario.vms for a, b in SEED_FLOWS):
        return list(SEED_FLOWS)
    raise ValueError("this scenario has no vm1/vm4/vm6/vm3: name the flows (--flow SRC:DST)")


def router_macs(lab: Lab) -> dict[str, str]:
    sc = lab.scenario
    out = {p.mac: f"{r}-{p.switch}" for r, router in sc.routers.items() for p in router.ports}
    out.update({mac: f"{c}'s chassis MAC" for c, mac in routing_modes.chassis_macs(sc).items()})
    return out


def flap(lab: Lab, rate: float = 20, duration: float = 2.5,
         flows: list[tuple[str, str]] | None = None, walks: bool = True,
         folder: Path | None = None, ipv6: bool = False) -> FlapResult:
    """Run the flows at `rate` packets/s each for `duration` s, concurrently, and measure;
    `ipv6`: between the VMs' IPv6 addresses."""
    if not 0 < rate <= MAX_RATE or not 0 < duration <= MAX_DURATION:
        raise ValueError(f"rate must be in (0, {MAX_RATE}] packets/s and duration in "
                         f"(0, {MAX_DURATION}] s")
    sc = lab.scenario
    pairs = flows or default_flows(lab)
    for a, b in pairs:
        if a not in sc.vms or b not in sc.vms:
            raise ValueError(f"flow {a}:{b}: both ends must be VMs ({', '.join(sorted(sc.vms))})")
        if ipv6 and not (sc.vms[a].ip6 and sc.vms[b].ip6):
            raise ValueError(f"flow {a}:{b}: both ends need an IPv6 address for an IPv6 flap "
                             f"(VMs with one: {', '.join(v for v in sc.vms if sc.vms[v].ip6)})")
    count = max(1, round(rate * duration))
    results: dict[int, object] = {}
    # both ends of every ToR link: a frame the ToR received is one its peer sent first
    tor_links = [lk for lk in lab.links if lk.carries_data and sc.tor in lk.nodes()]
    tor_ends = [(e, lab.nodes[e.node].netns) for lk in tor_links for e in lk.ends]
    folder = folder or next_folder(lab.dir / "flap", "flows", "_".join(m for m in lab.modes.values()))[1]
    before_table = {(e.vlan, e.mac): e.port for e in lab.tor.fdb()}
    counter_before = lab.tor.mac_moves()
    start = time.time()
    with CaptureSet(tor_ends, folder / "pcap") as caps, lab.tor.watch(duration + 5) as seen:
        def run(i: int, src: str, dst: str) -> None:
            # a reply delayed on a busy machine is late, not lost: wait for it (bounded)
            try:
                target = sc.vms[dst].ip6 if ipv6 else sc.vms[dst].ip
                results[i] = lab.host(src).ping(target, count=count, interval=1 / rate,
                                               wait=1, deadline=duration + 5)
            except Exception as exc:  # noqa: BLE001 - handed to the measuring thread
                results[i] = exc
        threads = [threading.Thread(target=run, args=(i, a, b)) for i, (a, b) in enumerate(pairs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + 30)
        caps.settle()
    elapsed = time.time() - start
    counter_moves = lab.tor.mac_moves() - counter_before
    events = tortable.received(caps.frames(), lab.links, sc.tor, sc.vlans)
    frame_moves = [{"t": ns / 1e9, "vlan": v, "mac": m, "src": a, "dst": b}
                   for ns, v, m, a, b in tortable.flips(events, before_table)]
    out = [Flow(a, b) for a, b in pairs]
    for i, f in enumerate(out):
        r = results.get(i)
        if not isinstance(r, PingResult):
            raise FlapError(f"flow {f.source} -> {f.destination} measured nothing: "
                            + (str(r) if r is not None else "its ping did not end in time"))
        # the flow's `count` probes and how many of them were answered (PingResult.answered_of)
        f.sent, f.received, f.rtt_ms = count, r.answered_of(count), r.rtt_min_avg_max
    if not any(f.received for f in out):
        raise FlapError("no flow got a single answer (" + ", ".join(
            f"{f.source} -> {f.destination} 0/{f.sent}" for f in out) + "): a flap needs "
            "traffic; check the testbed with `testbed walk` first")
    result = FlapResult(dict(lab.modes), rate, duration, out, counter_moves, list(seen.counted),
                        [m.to_json() for m in seen.moves], frame_moves, router_macs(lab),
                        [e.__dict__ for e in lab.tor.fdb()], start, elapsed, ipv6=ipv6)
    if walks:  # after the measurement: a walk's own frames must not count
        for f in out:
            w = walk(lab, f.source, f.destination, run_traces=False, ipv6=ipv6)
            f.routed_by = (w.request.routed_by, w.reply.routed_by)
            f.overlay = (w.request.crossed_overlay, w.reply.crossed_overlay)
    return result


def compare_modes(lab: Lab, router: str, rate: float = 20, duration: float = 2.5,
                  flows: list[tuple[str, str]] | None = None,
                  progress=lambda _: None, ipv6: bool = False) -> list[FlapResult]:
    """The flows under every mode of `router`, switched live; the original mode is restored."""
    original = lab.modes.get(router, "distributed")
    out = []
    try:
        for name in routing_modes.MODES:
            try:
                routing_modes.check(lab.scenario, router, name)
            except ValueError as exc:
                progress(f"skipping mode {name}: {exc}")
                continue
            progress(f"mode {name} ...")
            lab.set_mode(router, name)
            # the first second after a switch is its own story (stale ToR entries): kept apart
            first = flap(lab, rate, 1.0, flows, walks=False, ipv6=ipv6)
            result = flap(lab, rate, duration, flows, ipv6=ipv6)
            result.on_switch = {"loss": [round(f.loss, 1) for f in first.flows],
                                "counter_moves": first.counter_moves,
                                "router_mac_flips": first.router_mac_flips}
            out.append(result)
    finally:
        lab.set_mode(router, original)
    return out
