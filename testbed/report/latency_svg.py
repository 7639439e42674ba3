"""Latency distributions as a picture: one cumulative curve per series (a testbed size, a
control plane), the share of samples done by each time, with p50/p95/p99 marked, so series
compare at a glance (bench/churn.py: NB write to ovn-installed per port)."""

from __future__ import annotations

from html import escape

COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 960, 420, 70, 180, 50, 50


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def svg(title: str, series: dict[str, list[float]]) -> str:
    """`series`: label -> samples in seconds (any order; empty ones are listed, not drawn)."""
    longest = max((max(v) for v in series.values() if v), default=1.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x_of = lambda s: LEFT + s / longest * plot_w  # noqa: E731
    y_of = lambda f: TOP + (1 - f) * plot_h  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
           'stroke="#333"/>']
    for f in (0.5, 0.95, 0.99):
        out.append(f'<line x1="{LEFT}" y1="{y_of(f):.1f}" x2="{LEFT + plot_w}" '
                   f'y2="{y_of(f):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y_of(f) + 4:.1f}" text-anchor="end">'
                   f'p{round(f * 100)}</text>')
    step = next(s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120) if longest / s <= 10)
    t = 0.0
    while t <= longest + 1e-9:
        out.append(f'<text x="{x_of(t):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
                   f'{t:g} s</text>')
        t += step
    for i, (label, values) in enumerate(series.items()):
        colour, done = COLOURS[i % len(COLOURS)], sorted(values)
        legend_y = TOP + 16 + i * 34
        if not done:
            out.append(f'<text x="{LEFT + plot_w + 12}" y="{legend_y}">{escape(label)}: no '
                       'samples</text>')
            continue
        points = " ".join(f"{x_of(v):.1f},{y_of((j + 1) / len(done)):.1f}"
                          for j, v in enumerate(done))
        out.append(f'<polyline class="series" data-label="{escape(label)}" fill="none" '
                   f'stroke="{colour}" stroke-width="2" points="{x_of(done[0]):.1f},'
                   f'{y_of(0):.1f} {points}"/>')
        marks = ", ".join(f"p{round(q * 100)} {_pct(done, q):.2f}" for q in (0.5, 0.95, 0.99))
        out.append(f'<rect x="{LEFT + plot_w + 12}" y="{legend_y - 10}" width="12" height="12" '
                   f'fill="{colour}"/><text x="{LEFT + plot_w + 28}" y="{legend_y}">'
                   f'{escape(label)} ({len(done)})</text><text x="{LEFT + plot_w + 28}" '
                   f'y="{legend_y + 14}" font-size="10">{marks} s</text>')
    out.append("</svg>")
    return "\n".join(out)
