"""The topology graph (model/graph.py) in other tools' formats: Mermaid (Markdown, GitHub),
Graphviz dot, draw.io (diagrams.net's mxfile XML) and a standalone HTML page. Written from the
same graph, so they show the same nodes and wires.

    testbed graph l3-over-vlan --format mermaid > topology.md
"""

from __future__ import annotations

import json
import re
from html import escape
from xml.sax.saxutils import quoteattr

from ..model.graph import Graph

FILL = {"central": "#dbe9f6", "relay": "#dbe9f6", "gateway": "#fde2c8", "compute": "#d9f2d9",
        "tor": "#eeeeee", "external": "#f3dcf3", "vm": "#ffffff", "network": "#fff9d6"}
STROKE = {"trunk": "#555555", "access": "#555555", "network": "#2c7fb8",
          "external": "#d35400", "upstream": "#d35400"}
FORMATS = ("mermaid", "dot", "drawio", "html")


def _id(name: str) -> str:
    """A name as an identifier every format takes (letters, digits, underscores)."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid(g: Graph) -> str:
    out = ["graph TD"]
    for v in g.vertices.values():
        text = f"{v.name}<br/>{v.label}" if v.label else v.name
        shape = ("([", "])") if v.kind == "network" else ("[", "]")
        out.append(f'  {_id(v.name)}{shape[0]}"{text}"{shape[1]}')
    for e in g.edges:
        link = "-.-" if e.kind == "network" else "---"
        label = f'|"{e.label}"|' if e.label else ""
        out.append(f"  {_id(e.a)} {link}{label} {_id(e.b)}")
    for kind, fill in FILL.items():
        members = [_id(v.name) for v in g.vertices.values() if v.kind == kind]
        if members:
            out.append(f"  classDef {kind} fill:{fill},stroke:#555")
            out.append(f"  class {','.join(members)} {kind}")
    return "\n".join(out) + "\n"


def dot(g: Graph) -> str:
    def q(text: str) -> str:
        return json.dumps(text)  # a dot string is a JSON string for these characters
    out = [f"graph {q(g.name)} {{", '  node [shape=box, style="rounded,filled", fontname=monospace];']
    for v in g.vertices.values():
        label = f"{v.name}\\n{v.label}" if v.label else v.name
        shape = ", shape=ellipse" if v.kind == "network" else ""
        out.append(f'  {q(v.name)} [label="{label}", fillcolor="{FILL.get(v.kind, "#fff")}"{shape}];')
    for e in g.edges:
        style = ", style=dashed" if e.kind == "network" else ""
        label = f", label={q(e.label)}" if e.label else ""
        out.append(f'  {q(e.a)} -- {q(e.b)} [color="{STROKE.get(e.kind, "#555")}"{style}{label}];')
    return "\n".join([*out, "}"]) + "\n"


def _layers(g: Graph) -> dict[str, tuple[int, int]]:
    """A grid position per vertex (row by kind, column in order), for formats that need one."""
    rows = ("central", "relay", "network", "external", "gateway", "compute", "tor", "vm")
    seen: dict[int, int] = {}
    out = {}
    for v in g.vertices.values():
        row = rows.index(v.kind) if v.kind in rows else len(rows)
        out[v.name] = (seen.get(row, 0), row)
        seen[row] = seen.get(row, 0) + 1
    return out


def drawio(g: Graph) -> str:
    """An mxfile draw.io opens: a vertex per node, an edge per wire, laid out in rows."""
    at = _layers(g)
    cells = ['<mxCell id="0"/>', '<mxCell id="1" parent="0"/>']
    for v in g.vertices.values():
        col, row = at[v.name]
        value = f"{v.name}<br>{v.label}" if v.label else v.name
        style = (f"rounded=1;whiteSpace=wrap;html=1;fillColor={FILL.get(v.kind, '#ffffff')};"
                 + ("ellipse;" if v.kind == "network" else ""))
        cells.append(f'<mxCell id={quoteattr(_id(v.name))} value={quoteattr(value)} '
                     f'style={quoteattr(style)} vertex="1" parent="1"><mxGeometry '
                     f'x="{40 + col * 200}" y="{40 + row * 110}" width="170" height="50" '
                     f'as="geometry"/></mxCell>')
    for i, e in enumerate(g.edges):
        style = (f"endArrow=none;html=1;strokeColor={STROKE.get(e.kind, '#555555')};"
                 + ("dashed=1;" if e.kind == "network" else ""))
        cells.append(f'<mxCell id="e{i}" value={quoteattr(e.label)} style={quoteattr(style)} '
                     f'edge="1" parent="1" source={quoteattr(_id(e.a))} '
                     f'target={quoteattr(_id(e.b))}><mxGeometry relative="1" as="geometry"/>'
                     f'</mxCell>')
    body = "".join(cells)
    return (f'<mxfile host="ovn-testbed"><diagram name={quoteattr(g.name)}><mxGraphModel>'
            f"<root>{body}</root></mxGraphModel></diagram></mxfile>\n")


def html(g: Graph, svg: str = "") -> str:
    """A page with the picture (a running testbed's, when given) and the nodes and wires."""
    rows = "".join(f"<tr><td>{escape(v.name)}</td><td>{escape(v.kind)}</td>"
                   f"<td>{escape(v.label)}</td></tr>" for v in g.vertices.values())
    wires = "".join(f"<tr><td>{escape(e.a)}</td><td>{escape(e.b)}</td><td>{escape(e.kind)}"
                    f"</td><td>{escape(e.label)}</td></tr>" for e in g.edges)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(g.name)}</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style></head><body>"
            f"<h1>{escape(g.name)}</h1>{svg}"
            "<h2>Nodes</h2><table><tr><th>name</th><th>kind</th><th>what</th></tr>"
            f"{rows}</table><h2>Wires</h2><table><tr><th>from</th><th>to</th><th>kind</th>"
            f"<th>what</th></tr>{wires}</table></body></html>\n")


def render(g: Graph, fmt: str, svg: str = "") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"no graph format {fmt!r}; formats: {', '.join(FORMATS)}")
    return html(g, svg) if fmt == "html" else {"mermaid": mermaid, "dot": dot,
                                                "drawio": drawio}[fmt](g)
