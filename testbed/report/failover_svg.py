"""The failover timeline as a picture: one panel per phase (failover, failback), time on the
x axis from the fault, a row per kind of event (BFD sessions, SB, the external switch, replies),
and the traffic gap as a red bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import timeline_svg

if TYPE_CHECKING:
    from ..faults.failover import FailoverReport, Phase


def rows(p: Phase, r: FailoverReport) -> list[tuple[str, list[tuple[float, str]]]]:
    """(row label, [(seconds after the fault, what)]) for one phase."""
    new = r.to_chassis if p.name == "failover" else r.from_chassis
    out: list[tuple[str, list[tuple[float, str]]]] = [
        ("fault", [(0.0, "injected" if p.name == "failover" else "undone")])]
    sessions: dict[str, list[tuple[float, str]]] = {}
    for ch in p.bfd:
        sessions.setdefault(f"BFD {ch.chassis} -> {ch.peer}", []).append((ch.t - p.at, ch.state))
    out += sorted(sessions.items())
    if p.sb_moved:
        out.append(("SB Port_Binding", [(p.sb_moved - p.at, f"on {new}")]))
    if p.announced:
        out.append(("external switch", [(p.announced - p.at, f"MAC on {new}")]))
    replies = [(t - p.at, what) for t, what in ((p.last_before, "last"), (p.first_after, "first"))
               if t]
    out.append(("replies", replies))
    return out


def svg(r: FailoverReport) -> str:
    return timeline_svg.document([
        (f"{p.name}: " + (f"gap {p.gap:.3f} s, {p.lost} lost" if p.gap is not None
                          else "no gap seen"), rows(p, r), "replies",
         (p.last_before - p.at, p.first_after - p.at) if p.gap is not None else None)
        for p in r.phases])
