"""Run the scenario's checks (model/checks.py) on a running testbed: each a walk held to its
expectations (or to tb.expect's prediction) or a reachability matrix; results, not asserts.
`testbed check` prints them as a table and writes JUnit XML for CI.

    results = run(lab)                  # every check; run(lab, ["walk vm1 -> vm4"]) some
    print(render(results)); junit(results, "testbed-l3", Path("checks.xml"))
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .model.checks import Expect, FailoverCheck, FlowsCheck, ReachCheck, WalkCheck

if TYPE_CHECKING:
    from .lab import Lab


@dataclass
class Row:
    """One field of a check: expected beside observed."""

    what: str
    expected: str
    observed: str
    holds: bool | None = None  # for a bound (`<= 0`, `< 2 s`): whether it held

    @property
    def ok(self) -> bool:
        return self.expected == self.observed if self.holds is None else self.holds


@dataclass
class Result:
    check: str
    rows: list[Row] = field(default_factory=list)
    report: str = ""  # the walk's report, when one was made
    error: str = ""  # the check could not run, or the derived walk's differences
    seconds: float = 0.0
    detail: object = None  # what the experiment returned (a Walk, FlapResult, FailoverReport)

    @property
    def ok(self) -> bool:
        return not self.error and all(r.ok for r in self.rows)

    @property
    def diverged(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def _mac_of(sc, value: str) -> str:
    """A router port's MAC by its name (R1-B), or the MAC as written."""
    for r, router in sc.routers.items():
        for p in router.ports:
            if value in (sc.router_port_name(r, p), f"{r}-{p.switch}"):  # OVN's or plain
                return p.mac.lower()
    return value.lower()


def observe(sc, leg, e: Expect) -> list[Row]:
    """The rows `e` asks for, read off the walk's request leg."""
    rows = []
    into_tor = next((h for h in leg.hops if h.node == sc.tor and h.direction == "in"), None)
    last = leg.last_seen
    seen = {
        "delivered": lambda: str(leg.delivered),
        "path": lambda: " -> ".join(leg.path),
        "routed_by": lambda: str(leg.routed_by),
        "overlay": lambda: str(leg.crossed_overlay),
        "tor_vlan": lambda: ",".join(map(str, leg.vlans)) or "none",
        "src_mac": lambda: into_tor.eth_src if into_tor else "not at the ToR",
        "dropped_at": lambda: "delivered" if leg.delivered else (last.node if last else "nowhere"),
        "translated_on": lambda: str(leg.translated_on),
    }
    for key, want in e.model_dump(exclude_none=True, exclude={"derived"}).items():
        got = seen[key]()
        if key == "path":
            want = " -> ".join(want)
        elif key == "src_mac":
            want = _mac_of(sc, want)
        elif key == "tor_vlan" and str(want) in got.split(","):
            got = str(want)  # crossed in that VLAN (maybe in others too)
        rows.append(Row(key, str(want), got))
    return rows


def _walk_once(lab: Lab, check: WalkCheck) -> Result:
    from .report import walk_files
    from .walk.runner import walk

    src, dst = check.ends
    w = walk_files.write(walk(lab, src, dst, check.proto, check.port, run_traces=False,
                              ipv6=check.ipv6), lab.scenario, lab.name)
    result = Result(check.title, report=str(w.folder / "walk.html"), detail=w)
    if check.expect.derived:
        legs = [(w.request, (src, dst)), (w.reply, (dst, src))]
        if w.request.translated_on:  # a NATed reply is conntrack's un-NAT, not a fresh flow
            legs = legs[:1]
            result.rows.append(Row("reply delivered", "True", str(w.reply.delivered)))
        for leg, (a, b) in legs:
            try:
                leg.assert_expected(lab.expect(a, b, ipv6=check.ipv6))
                result.rows.append(Row(f"{leg.name} as tb.expect says", "yes", "yes"))
            except AssertionError as exc:
                result.rows.append(Row(f"{leg.name} as tb.expect says", "yes", "no"))
                result.error += str(exc).split("\n(report")[0] + "\n"
    result.rows += observe(lab.scenario, w.request, check.expect)  # fields beside `derived`
    return result


def _walk(lab: Lab, check: WalkCheck) -> Result:
    for attempt in range(check.retries + 1):
        result = _walk_once(lab, check)
        if result.ok or attempt == check.retries:
            return result
        time.sleep(check.wait_s)  # a declared wait between tries, as the scenario says
    return result


def _reach(lab: Lab, check: ReachCheck) -> Result:
    sc, r = lab.scenario, check.reach
    result = Result(check.title)
    want = "yes" if r.expect else "no"
    for a in r.from_:
        for b in (b for b in r.to if b != a):  # a host reaching itself says nothing
            ip = sc.host_ip(b)
            got = lab.host(a).ping(ip, count=2, wait=1).received > 0 if ip else False
            result.rows.append(Row(f"{a} -> {b}", want, "yes" if got else "no"))
    return result


def _flows(lab: Lab, check: FlowsCheck) -> Result:
    from .flap.runner import flap

    r = flap(lab, rate=check.rate, duration=check.seconds, flows=check.pairs, walks=False,
             ipv6=check.ipv6)
    result = Result(check.title, detail=r)
    e = check.expect
    if e.mac_moves is not None:
        result.rows.append(Row("MAC moves on the ToR", f"<= {e.mac_moves}", str(r.counter_moves),
                               r.counter_moves <= e.mac_moves))
        if r.counter_moves > e.mac_moves and r.frame_moves:
            moving = sorted({f"{m['mac']} (vlan {m['vlan']}: {m['src']} -> {m['dst']})"
                             for m in r.frame_moves})
            result.error = "moving: " + "; ".join(moving[:6])
    for f in r.flows if e.loss_pct is not None else ():
        result.rows.append(Row(f"loss {f.source} -> {f.destination}", f"<= {e.loss_pct:g} %",
                               f"{f.loss:.1f} % ({f.received}/{f.sent})", f.loss <= e.loss_pct))
    return result


def _failover(lab: Lab, check: FailoverCheck) -> Result:
    from .faults.failover import failover, render

    r = failover(lab, check.fault, check.target, router=check.failover, source=check.from_,
                 destination=check.to, ipv6=check.ipv6)
    result = Result(check.title, detail=r)
    if check.expect.to is not None:
        result.rows.append(Row("moved to", check.expect.to, r.to_chassis))
    bound = check.expect.gap_below_s
    for p in r.phases:
        got = f"{p.gap:.2f} s ({p.lost} lost)" if p.gap is not None else "no gap"
        result.rows.append(Row(f"{p.name} gap", f"< {bound:g} s", got,
                               p.gap is None or p.gap < bound))
    if len(r.phases) < 2:
        result.error = "the failover did not complete both phases"
    if not all(row.ok for row in result.rows):
        result.error += render(r)
    return result


RUNNERS = {WalkCheck: _walk, ReachCheck: _reach, FlowsCheck: _flows, FailoverCheck: _failover}


def run(lab: Lab, only: list[str] | None = None, checks: list | None = None) -> list[Result]:
    """The scenario's checks (or `checks`; those titled in `only`, when given), in order."""
    checks = lab.scenario.checks if checks is None else checks
    if only:
        titles = [c.title for c in checks]
        unknown = [o for o in only if o not in titles]
        if unknown:
            raise ValueError(f"no check {unknown[0]!r}; checks: {'; '.join(titles)}")
        checks = [c for c in checks if c.title in only]
    out = []
    for check in checks:
        started = time.monotonic()
        try:
            result = RUNNERS[type(check)](lab, check)
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is a failed check
            result = Result(check.title, error=f"{type(exc).__name__}: {exc}")
        result.seconds = time.monotonic() - started
        out.append(result)
    return out


def render(results: list[Result]) -> str:
    """A table: check, field, expected, observed; failures marked with where they diverged."""
    lines = [f"{'':3}{'check':<34} {'field':<30} {'expected':<20} {'observed':<20}"]
    for res in results:
        mark = "ok" if res.ok else "X"
        for i, row in enumerate(res.rows or [Row("(ran)", "", "")]):
            flag = "" if row.ok else "  <- diverged"
            lines.append(f"{mark if i == 0 else '':3}{res.check if i == 0 else '':<34} "
                         f"{row.what:<30} {row.expected:<20} {row.observed:<20}{flag}")
        if res.error:
            lines += [f"    {line}" for line in res.error.strip().splitlines()[:12]]
        if res.report and not res.ok:
            lines.append(f"    walk report: {res.report}")
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} checks hold")
    return "\n".join(lines)


def junit(results: list[Result], suite: str, path: Path) -> None:
    """JUnit XML (testsuites > testsuite > testcase, a failure element per failed check), the
    form GitHub Actions' and other CI's test reporters read."""
    failures = sum(not r.ok for r in results)
    top = ET.Element("testsuites", name="testbed check", tests=str(len(results)),
                     failures=str(failures))
    ts = ET.SubElement(top, "testsuite", name=suite, tests=str(len(results)),
                       failures=str(failures), errors="0", skipped="0",
                       time=f"{sum(r.seconds for r in results):.3f}")
    for r in results:
        case = ET.SubElement(ts, "testcase", classname=suite, name=r.check,
                             time=f"{r.seconds:.3f}")
        if not r.ok:
            where = "; ".join(f"{row.what}: expected {row.expected}, observed {row.observed}"
                              for row in r.diverged)
            fail = ET.SubElement(case, "failure", message=where or r.error.splitlines()[0],
                                 type="CheckFailed")
            fail.text = re.sub(r"\x1b\[[0-9;]*m", "", r.error + (f"\n{r.report}" if r.report
                                                                   else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(top).write(path, encoding="utf-8", xml_declaration=True)
