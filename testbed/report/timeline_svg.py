"""A timeline as a picture: time on the x axis from an origin (a fault), a row per kind of
event, each event a dot with its label, and an optional gap drawn as a red bar on one row.
The failover and the control-plane failover reports draw their panels with it."""

from __future__ import annotations

from html import escape

WIDTH, LEFT, RIGHT, ROW, TOP = 1040, 250, 120, 26, 46
Rows = list[tuple[str, list[tuple[float, str]]]]
"""(row label, [(seconds after the origin, what)])"""


def panel(title: str, data: Rows, y0: int, gap_row: str = "",
          gap: tuple[float, float] | None = None) -> tuple[list[str], int]:
    """SVG elements of one panel and its height; `gap`: (start, end) on the row `gap_row`."""
    times = [t for _, evs in data for t, _ in evs] or [0.0]
    lo, hi = min(0.0, *times), max(times) * 1.08 + 0.05
    span = WIDTH - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + (t - lo) / (hi - lo) * span

    h = TOP + ROW * len(data) + 30
    out = [f'<text x="10" y="{y0 + 24}" class="t">{escape(title)}</text>']
    for i, (label, events) in enumerate(data):
        y = y0 + TOP + i * ROW
        out.append(f'<text x="{LEFT - 10}" y="{y + 4}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" class="row"/>')
        if label == gap_row and gap is not None:
            x1, x2 = x(gap[0]), x(gap[1])
            out.append(f'<rect x="{x1:.1f}" y="{y - 6}" width="{max(x2 - x1, 1):.1f}" '
                       f'height="12" class="gap"/>')
        label_end = -1e9
        for t, what in sorted(events):
            cls = "down" if what in ("down", "killed", "stopped", "cut") else "ev"
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


def document(panels: list[tuple[str, Rows, str, tuple[float, float] | None]]) -> str:
    """An SVG of panels stacked: each (title, rows, gap row, gap)."""
    parts, y = [], 0
    for title, data, gap_row, gap in panels:
        body, h = panel(title, data, y, gap_row, gap)
        parts += body
        y += h
    style = ("text{font:12px sans-serif}.t{font-weight:bold;font-size:14px}.s{font-size:10px;"
             "fill:#444}.row{stroke:#ddd}.axis{stroke:#888}.ev{fill:#2b6cb0}.down{fill:#c53030}"
             ".gap{fill:#feb2b2;stroke:#c53030}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y + 10}" '
            f'viewBox="0 0 {WIDTH} {y + 10}"><style>{style}</style>'
            f'<rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>')
