"""A walk in the terminal (rich), and the side-by-side message of a failed path assertion."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from ..walk.model import Leg, Walk
from .walk_story import story


def render(w: Walk, console: Console | None = None) -> None:
    console = console or Console(width=None if sys.stdout.isatty() else 140)
    for sec in story(w):
        console.rule(f"[bold]{sec.title}[/]", align="left")
        for line in sec.lines:
            console.print(line, highlight=False)
        if sec.table:
            t = Table(header_style="bold")
            for col in sec.table[0]:
                t.add_column(col)
            for i, row in enumerate(sec.table[1:], start=1):
                t.add_row(*row, style=("bold red" if sec.kind == "checks" else "bold green")
                          if i in sec.highlight else None)
            console.print(t)
    if w.folder:
        console.print(f"\nreport: {w.folder / 'walk.html'}  markdown: {w.folder / 'walk.md'}  "
                      f"pcaps: {w.folder / 'pcap'} (merged: {w.folder / 'walk.pcapng'})")
        console.print(f"walk took {w.timings.get('total', 0):.2f} s", highlight=False)


def render_background(w: Walk, console: Console | None = None) -> None:
    """The frames that were not the probe's, in time order (`testbed walk --noise`)."""
    console = console or Console(width=None if sys.stdout.isatty() else 140)
    console.rule("[bold]Background frames (not the probe's)[/]", align="left")
    start = w.request.hops[0].ns if w.request.hops else 0
    for where, f in w.background:
        console.print(f"{(f.ns - start) / 1e6:+9.3f} ms  {where:<22} {f.summary()}",
                      highlight=False)


def field_table(rows: list[tuple[str, str, str]]) -> str:
    """what | expected | observed, with '<>' on the rows that differ."""
    w1 = max(len(r[0]) for r in rows)
    w2 = max([len(r[1]) for r in rows] + [8])
    lines = [f"   {'':<{w1}}  {'expected':<{w2}}  observed"]
    for what, want, got in rows:
        lines.append(f"{'<>' if want != got else '  '} {what:<{w1}}  {want:<{w2}}  {got}")
    return "\n".join(lines)


def side_by_side(expected: list[str], leg: Leg) -> str:
    """Expected and observed path, node by node, differences marked with '<>'."""
    observed = leg.path
    hops_at: dict[str, list[str]] = {}
    for h in leg.hops:
        p = h.frame.packet
        hops_at.setdefault(h.node, []).append(
            f"{h.direction} {h.ifname} vlan {p.vlan} ttl {p.ttl} {p.eth_src}>{p.eth_dst}"
            + (f" {h.frame.encap.kind}" if h.tunnelled else ""))
    width = max([len(x) for x in expected] + [8])
    lines = [f"  {'expected':<{width}}    observed"]
    for i in range(max(len(expected), len(observed))):
        e = expected[i] if i < len(expected) else "-"
        o = observed[i] if i < len(observed) else "-"
        mark = "  " if e == o else "<>"
        detail = "; ".join(hops_at.get(o, [])) if o != "-" else ""
        lines.append(f"{mark}{e:<{width}}    {o}   {detail}")
    return "\n".join(lines)
