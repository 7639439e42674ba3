"""Bring-up phases as a picture: one horizontal bar per run (a runtime, a size), split into its
phases (containers, wiring, ovn, ready) on one time axis, so runs compare at a glance."""

from __future__ import annotations

from html import escape

COLOURS = {"image": "#9e9e9e", "containers": "#4e79a7", "wiring": "#f28e2b", "ovn": "#59a14f",
           "ready": "#e15759"}
OTHER = "#b07aa1"
WIDTH, LEFT, RIGHT, BAR, GAP, TOP = 960, 170, 70, 22, 12, 58


def svg(title: str, runs: list[tuple[str, dict[str, float]]]) -> str:
    """`runs`: (label, {phase: seconds}) in the order to draw them, top to bottom."""
    longest = max((sum(p.values()) for _, p in runs), default=1.0) or 1.0
    scale = (WIDTH - LEFT - RIGHT) / longest
    height = TOP + len(runs) * (BAR + GAP) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="{LEFT}" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    phases = list(dict.fromkeys(k for _, p in runs for k in p))
    x = LEFT
    for phase in phases:  # the legend
        out.append(f'<rect x="{x}" y="32" width="12" height="12" '
                   f'fill="{COLOURS.get(phase, OTHER)}"/>')
        out.append(f'<text x="{x + 16}" y="43">{escape(phase)}</text>')
        x += 24 + 8 * len(phase)
    for i, (label, parts) in enumerate(runs):
        y = TOP + i * (BAR + GAP)
        out.append(f'<g class="run" data-label="{escape(label)}">')
        out.append(f'<text x="{LEFT - 8}" y="{y + BAR * 0.7:.0f}" text-anchor="end">'
                   f'{escape(label)}</text>')
        x = float(LEFT)
        for phase, seconds in parts.items():
            w = seconds * scale
            out.append(f'<rect class="phase" data-phase="{escape(phase)}" '
                       f'data-seconds="{seconds:.3f}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                       f'height="{BAR}" fill="{COLOURS.get(phase, OTHER)}">'
                       f'<title>{escape(phase)} {seconds:.2f} s</title></rect>')
            if w > 34:
                out.append(f'<text x="{x + w / 2:.1f}" y="{y + BAR * 0.7:.0f}" fill="white" '
                           f'text-anchor="middle">{seconds:.1f}</text>')
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + BAR * 0.7:.0f}">'
                   f'{sum(parts.values()):.1f} s</text></g>')
    axis_y = TOP + len(runs) * (BAR + GAP) + 4
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" '
               'stroke="#333"/>')
    step = next(s for s in (1, 2, 5, 10, 20, 30, 60, 120, 300) if longest / s <= 10)
    t = 0
    while t <= longest:
        tx = LEFT + t * scale
        out.append(f'<line x1="{tx:.1f}" y1="{axis_y}" x2="{tx:.1f}" y2="{axis_y + 5}" '
                   'stroke="#333"/>')
        out.append(f'<text x="{tx:.1f}" y="{axis_y + 18}" text-anchor="middle">{t} s</text>')
        t += step
    out.append("</svg>")
    return "\n".join(out)
