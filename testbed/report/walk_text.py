"""A walk in the terminal (rich), and the side-by-side message of a failed path assertion."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from ..walk.model import Walk
from .walk_story import story


def render(w: Walk, console: Console | None = None) -> None:
    console = console or Console(emoji=False, width=None if sys.stdout.isatty() else 140)
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
    console = console or Console(emoji=False, width=None if sys.stdout.isatty() else 140)
    console.rule("[bold]Background frames (not the probe's)[/]", align="left")
    start = w.request.hops[0].ns if w.request.hops else 0
    for where, f in w.background:
        console.print(f"{(f.ns - start) / 1e6:+9.3f} ms  {where:<22} {f.summary()}",
                      highlight=False)
