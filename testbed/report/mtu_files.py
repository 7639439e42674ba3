"""`testbed mtu`'s result as a table in the terminal, mtu.json, mtu.md and mtu.svg: a matrix of
hosts, each cell the largest packet that pair exchanged with don't-fragment, coloured green
(full size), amber (smaller, but an ICMP "fragmentation needed" says so) or red (full-size
packets vanish silently), and marked where the measurement differs from the prediction."""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from ..pmtu.runner import MtuResult, PairMtu

COLOURS = {"full size": "#4caf50", "announced": "#ffb300", "black hole": "#e53935"}
CELL, LEFT, TOP = 92, 120, 92


def _announced(p: PairMtu) -> str:
    return f"{p.announced[1]} from {p.announced[0]}" if p.announced else "-"


def table(result: MtuResult) -> Table:
    t = Table(title=f"Path MTU with don't-fragment, testbed {result.testbed} "
                    f"({result.seconds:.1f} s)")
    for col in ("pair", "measured", "NIC", "verdict", "ICMP said", "predicted", "limit"):
        t.add_column(col)
    for p in result.pairs:
        colour = {"full size": "green", "announced": "yellow"}.get(p.verdict, "red")
        mark = "" if p.agrees else " (differs)"
        t.add_row(f"{p.source} - {p.destination}", str(p.measured), str(p.full),
                  f"[{colour}]{p.verdict}[/{colour}]", _announced(p),
                  f"{p.predicted.largest}{mark}", p.predicted.limit)
    return t


def render(result: MtuResult) -> None:
    Console(emoji=False, file=sys.stdout, width=160).print(table(result))


def markdown(result: MtuResult) -> str:
    lines = [f"# Path MTU, testbed {result.testbed}", "",
             "| pair | measured | NIC | verdict | ICMP said | predicted | limit |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {p.source} - {p.destination} | {p.measured} | {p.full} | {p.verdict} | "
              f"{_announced(p)} | {p.predicted.largest}{'' if p.agrees else ' (differs)'} | "
              f"{p.predicted.limit} |" for p in result.pairs]
    return "\n".join(lines) + "\n"


def svg(result: MtuResult) -> str:
    """The matrix: rows are sources, columns destinations."""
    rows = sorted({p.source for p in result.pairs})
    cols = sorted({p.destination for p in result.pairs}, key=lambda h: (h not in rows, h))
    width, height = LEFT + CELL * len(cols) + 20, TOP + CELL * len(rows) + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="DejaVu Sans, Arial, sans-serif" '
           'font-size="12">', '<rect width="100%" height="100%" fill="#fff"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">Path MTU with '
           f"don't-fragment: {escape(result.testbed)}</text>"]
    for j, c in enumerate(cols):
        out.append(f'<text x="{LEFT + j * CELL + CELL / 2}" y="{TOP - 10}" '
                   f'text-anchor="middle">{escape(c)}</text>')
    for i, r in enumerate(rows):
        out.append(f'<text x="{LEFT - 10}" y="{TOP + i * CELL + CELL / 2 + 4}" '
                   f'text-anchor="end">{escape(r)}</text>')
    for p in result.pairs:
        x, y = LEFT + cols.index(p.destination) * CELL, TOP + rows.index(p.source) * CELL
        out.append(f'<rect class="pair" data-pair="{escape(p.source)}-{escape(p.destination)}" '
                   f'data-verdict="{p.verdict}" x="{x + 2}" y="{y + 2}" width="{CELL - 4}" '
                   f'height="{CELL - 4}" rx="6" fill="{COLOURS[p.verdict]}">'
                   f"<title>{escape(p.source)} - {escape(p.destination)}: {p.measured} bytes, "
                   f"{p.verdict}; predicted {p.predicted.largest} ({escape(p.predicted.limit)})"
                   "</title></rect>")
        out.append(f'<text x="{x + CELL / 2}" y="{y + CELL / 2}" text-anchor="middle" '
                   f'font-size="16" font-weight="bold">{p.measured}</text>')
        out.append(f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 18}" text-anchor="middle" '
                   f'font-size="10">{p.verdict if p.agrees else "differs: " + str(p.predicted.largest)}'
                   "</text>")
    legend = "green: full size · amber: smaller, ICMP says so · red: full size vanishes silently"
    out.append(f'<text x="10" y="{height - 20}" font-size="11" fill="#444">{legend}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(result: MtuResult, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"mtu.json": json.dumps(result.to_json(), indent=1), "mtu.md": markdown(result),
             "mtu.svg": svg(result)}
    for name, text in files.items():
        (folder / name).write_text(text)
    return [folder / name for name in files]
