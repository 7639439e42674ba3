"""The failover timeline as a picture: one panel per phase (failover, failback), time on the
x axis from the fault, a row per kind of event (BFD sessions, SB, the external switch, replies),
and the traffic gap as a red bar."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..faults.failover import FailoverReport, Phase

WIDTH, LEFT, RIGHT, ROW, TOP = 1040, 250, 120, 26, 46


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


def panel(p: Phase, r: FailoverReport, y0: int) -> tuple[list[str], int]:
    data = rows(p, r)
    times = [t for _, evs in data for t, _ in evs] or [0.0]
    lo, hi = min(0.0, *times), max(times) * 1.08 + 0.05
    span = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + (t - lo) / (hi - lo) * span

    title = f"{p.name}: " + (f"gap {p.gap:.3f} s, {p.lost} lost" if p.gap is not None
                             else "no gap seen")
    h = TOP + ROW * len(data) + 30
    out = [f'<text x="10" y="{y0 + 24}" class="t">{escape(title)}</text>']
    for i, (label, events) in enumerate(data):
        y = y0 + TOP + i * ROW
        out.append(f'<text x="{LEFT - 10}" y="{y + 4}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" class="row"/>')
        if label == "replies" and p.gap is not None:
            x1, x2 = x(p.last_before - p.at), x(p.first_after - p.at)
            out.append(f'<rect x="{x1:.1f}" y="{y - 6}" width="{max(x2 - x1, 1):.1f}" '
                       f'height="12" class="gap"/>')
        label_end = -1e9
        for t, what in sorted(events):
            cls = "down" if what == "down" else "ev"
            text = f"{what} {t:+.3f} s"
            # a label that would overlap the previous one on this row goes below the line
            below = x(t) + 8 < label_end
            label_end = label_end if below else x(t) + 8 + 5.5 * len(text)
            out.append(f'<circle cx="{x(t):.1f}" cy="{y}" r="5" class="{cls}"/>'
                       f'<text x="{x(t) + 8:.1f}" y="{y + 15 if below else y - 7}" class="s">'
                       f'{escape(text)}</text>')
    axis = y0 + h - 14
    out.append(f'<line x1="{LEFT}" y1="{axis}" x2="{WIDTH - RIGHT}" y2="{axis}" class="axis"/>')
    step = nice_step(hi - lo)
    t = 0.0
    while t <= hi:
        out.append(f'<text x="{x(t):.1f}" y="{axis + 13}" text-anchor="middle" class="s">'
                   f'{t:g} s</text>')
        t = round(t + step, 6)
    return out, h


def nice_step(span: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        if span / step <= 10:
            return step
    return 20.0


def svg(r: FailoverReport) -> str:
    parts, y = [], 0
    for p in r.phases:
        body, h = panel(p, r, y)
        parts += body
        y += h
    style = ("text{font:12px sans-serif}.t{font-weight:bold;font-size:14px}.s{font-size:10px;"
             "fill:#444}.row{stroke:#ddd}.axis{stroke:#888}.ev{fill:#2b6cb0}.down{fill:#c53030}"
             ".gap{fill:#feb2b2;stroke:#c53030}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y + 10}" '
            f'viewBox="0 0 {WIDTH} {y + 10}"><style>{style}</style>'
            f'<rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>')
