"""The topology for other tools and documents: Mermaid, Graphviz dot, draw.io, HTML or SVG.

    testbed graph l3-over-vlan --format mermaid       # a scenario (file or bundled), not running
    testbed graph --name lab --format dot | dot -Tpng > lab.png
    testbed graph --name lab --format drawio -o lab.drawio
    testbed graph --name lab --format svg             # a running testbed's picture, live state
    testbed graph --name lab --format html -o lab.html   # that picture, its nodes and wires

Every format but svg comes from the scenario alone; svg (and the picture in html) shows a
running testbed as it is now (active gateways, the ToR's MACs).
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import pick

FORMATS = ("mermaid", "dot", "drawio", "html", "svg")


def add_parser(p) -> None:
    p.add_argument("scenario", nargs="?", help="a scenario file or bundled name (default: the "
                   "running testbed's, --name)")
    p.add_argument("--format", default="mermaid", choices=FORMATS)
    p.add_argument("-o", "--output", help="write here instead of standard output")
    pick.add_name(p)


def run(args) -> int:
    from ..model import graph, load
    from ..report import graph_formats, picture

    if args.scenario and pick.given(args):
        raise ValueError("give a scenario or --name, not both")
    svg = ""
    if args.scenario:
        if args.format == "svg":
            raise ValueError("svg draws a running testbed as it is now: give --name, or use "
                             "--format mermaid, dot, drawio or html for a scenario")
        sc = load(args.scenario)
    else:
        tb = pick.attach(args, progress=lambda _: None)
        sc = tb.scenario
        if args.format in ("svg", "html"):
            svg = picture.topology_svg(tb.snapshot())
    text = svg + "\n" if args.format == "svg" else graph_formats.render(graph.of(sc),
                                                                         args.format, svg)
    if args.output:
        Path(args.output).write_text(text)
        print(f"{args.format}: {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
