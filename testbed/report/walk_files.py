"""A walk's files: walk.json, walk.md, a self-contained walk.html with a sequence picture, and
walk.pcapng (every captured frame merged in time order, each on its own named interface, the
probe's frames commented with their hop)."""

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict

from ..links import Endpoint
from ..model import Scenario
from ..observe import pcapng
from ..observe.frames import Frame
from ..walk.model import Leg, Walk
from .walk_story import story

COLOURS = {"request": "#1f77b4", "reply": "#e6550d"}


def to_json(w: Walk) -> dict:
    def leg(lg: Leg) -> dict:
        return {"source": lg.source, "target": lg.target, "path": lg.path,
                "delivered": lg.delivered, "routed_by": lg.routed_by, "routers": lg.routers,
                "crossed_overlay": lg.crossed_overlay, "vlans": lg.vlans,
                "hops": [{"ns": h.ns, "node": h.node, "ifname": h.ifname,
                          "direction": h.direction, "link": h.link, "frame": h.frame.to_json()}
                         for h in lg.hops],
                "side": [[f"{h.where} {h.direction}" for h in c.hops()] for c in lg.side]}
    return {"number": w.number, "source": w.source, "destination": w.destination,
            "probe": asdict(w.probe), "mark": w.mark.to_json(),
            "request": leg(w.request), "reply": leg(w.reply),
            "tor": {k: t.to_json() for k, t in w.tor.items()},
            "traces": {k: t.to_json() for k, t in w.traces.items()},
            "checks": [{"what": c.what, "trace": c.trace, "capture": c.capture,
                        "agrees": c.agrees} for c in w.checks],
            "names": w.names, "captured_on": w.captured_on, "drops": w.drops,
            "notes": w.notes, "timings": w.timings, "links": w.links,
            "background": w.noise(),
            "load_balancer": w.balanced.to_json() if w.balanced else None}


def write_json(w: Walk) -> None:
    (w.folder / "walk.json").write_text(json.dumps(to_json(w), indent=1, default=str))


def write(w: Walk, sc: Scenario, testbed: str = "") -> Walk:
    """A walk's report in its folder: walk.md, walk.html and walk.pcapng, then walk.json with
    the timings (this one's as "report"). `testbed`: the testbed's name, which the page's title
    shows (the scenario's by default). Returns the walk."""
    start = time.monotonic()
    write_all(w, w.captured, sc, testbed)
    w.timings["report"] = time.monotonic() - start
    w.timings["total"] = w.timings.get("total", 0.0) + w.timings["report"]
    write_json(w)
    return w


def write_all(w: Walk, captured: dict[Endpoint, list[Frame]], sc: Scenario,
              testbed: str = "") -> None:
    """walk.md, walk.html and walk.pcapng (write() adds walk.json)."""
    w.folder.mkdir(parents=True, exist_ok=True)
    (w.folder / "walk.md").write_text(markdown(w))
    (w.folder / "walk.html").write_text(page(w, sc.name, testbed or sc.name))
    write_pcapng(w, captured)


def markdown(w: Walk) -> str:
    out = []
    for sec in story(w):
        out.append(f"## {sec.title}\n")
        out += [f"- {line}" for line in sec.lines]
        if sec.table:
            out.append("")
            out.append("| " + " | ".join(sec.table[0]) + " |")
            out.append("|" + "---|" * len(sec.table[0]))
            for i, row in enumerate(sec.table[1:], start=1):
                cells = [f"**{c}**" if i in sec.highlight and c else c for c in row]
                out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def sequence_svg(w: Walk) -> str:
    """Hops over time: a lane per node, an arrow per wire crossed, numbered."""
    lanes: list[str] = []
    for lg in (w.request, w.reply):
        for n in lg.path:
            if n not in lanes:
                lanes.append(n)
    arrows = []
    for lg in (w.request, w.reply):
        hs = lg.hops
        for i, h in enumerate(hs):
            if h.direction == "out" and i + 1 < len(hs) and hs[i + 1].direction == "in":
                arrows.append((lg.name, h, hs[i + 1]))
    lane_w, top, step, text_w = 130, 50, 30, 700
    lanes_w = max(len(lanes), 2) * lane_w + 20
    width = lanes_w + text_w
    height = top + (len(arrows) + 1) * step + 20
    x = {n: 20 + i * lane_w + lane_w // 2 for i, n in enumerate(lanes)}
    # drawn to its own scale and shrunk to the page's width: the hop list on the right stays
    # in view in a narrow window (1280 px) instead of behind a scroll bar
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
           f'font-family="monospace" font-size="11" role="img" aria-label="sequence of hops">',
           '<defs>' + "".join(
               f'<marker id="a-{k}" markerWidth="8" markerHeight="8" refX="7" refY="4" '
               f'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="{c}"/></marker>'
               for k, c in COLOURS.items()) + '</defs>']
    for n in lanes:
        out.append(f'<text x="{x[n]}" y="24" text-anchor="middle" font-weight="bold" '
                   f'font-size="13">{html.escape(n)}</text>')
        out.append(f'<line x1="{x[n]}" y1="32" x2="{x[n]}" y2="{height - 10}" stroke="#bbb"/>')
    for i, (leg, a, b) in enumerate(arrows, start=1):
        y = top + i * step
        colour = COLOURS[leg]
        dash = ' stroke-dasharray="6,3"' if a.tunnelled else ""
        x1, x2 = x[a.node], x[b.node]
        p = b.frame.packet
        label = (f"{i}. {leg}: {a.node}:{a.ifname} -> {b.node}:{b.ifname} "
                 + (f"vlan {p.vlan} " if p.vlan is not None else "")
                 + (f"ttl {p.ttl} " if p.ttl is not None else "")
                 + (f"{a.frame.encap.kind} " if a.tunnelled else "")
                 + f"{w.name_of(p.eth_src) or p.eth_src} > {w.name_of(p.eth_dst) or p.eth_dst}")
        out.append(f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" '
                   f'stroke-width="2"{dash} marker-end="url(#a-{leg})"/>')
        out.append(f'<text x="{(x1 + x2) / 2}" y="{y - 5}" fill="{colour}" '
                   f'text-anchor="middle" font-weight="bold">{i}</text>')
        out.append(f'<text x="{lanes_w}" y="{y + 4}" fill="{colour}">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


CSS = """body{font-family:system-ui,sans-serif;margin:24px;max-width:1400px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:22px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-family:monospace;font-size:12px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
tr.hl td{background:#fff3b0;font-weight:bold}tr.bad td{background:#fdd;font-weight:bold}
li{font-family:monospace;font-size:12.5px;margin:2px 0}.pic{overflow-x:auto;border:1px solid #eee}"""


def page(w: Walk, scenario: str, testbed: str = "") -> str:
    where = html.escape(testbed or scenario) + (
        f" ({html.escape(scenario)})" if testbed and testbed != scenario else "")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>walk {w.number} "
             f"{html.escape(w.source)} to {html.escape(w.destination)} - {where}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>Packet walk {w.number}: {html.escape(w.source)} &rarr; "
             f"{html.escape(w.destination)} <small>testbed {where}</small></h1>",
             "<h2>The journey, hop by hop</h2>"
             "<p>Each arrow is one wire the probe crossed, numbered in time order; blue: request, "
             "orange: reply; dashed: inside a tunnel (geneve or vxlan).</p>",
             f"<div class='pic'>{sequence_svg(w)}</div>"]
    for sec in story(w):
        parts.append(f"<h2>{html.escape(sec.title)}</h2><ul>")
        parts += [f"<li>{html.escape(line)}</li>" for line in sec.lines]
        parts.append("</ul>")
        if sec.table:
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>"
                                                 for c in sec.table[0]) + "</tr>")
            for i, row in enumerate(sec.table[1:], start=1):
                cls = (" class='bad'" if sec.kind == "checks" else " class='hl'") \
                    if i in sec.highlight else ""
                parts.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in row)
                             + "</tr>")
            parts.append("</table>")
    parts.append("<h2>Files</h2><ul><li>walk.pcapng: every capture merged (open in "
                 "Wireshark)</li><li>pcap/: one file per interface</li><li>walk.json, walk.md</li>"
                 "</ul></body></html>")
    return "\n".join(parts)


def write_pcapng(w: Walk, captured: dict[Endpoint, list[Frame]]) -> None:
    comments = {}
    for lg in (w.request, w.reply):
        for i, h in enumerate(lg.hops, start=1):
            comments[(h.node, h.ifname, h.ns)] = f"walk {w.number} {lg.name} hop {i} {h.direction}"
    pcapng.write(w.folder / "walk.pcapng", captured, comments)
