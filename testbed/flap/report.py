"""Flap results for a person: the terminal view of one run, and the side-by-side of every mode
(Markdown and HTML with a bar chart of moves per second)."""

from __future__ import annotations

import html
import json
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .runner import FlapResult


def _flows(r: FlapResult) -> list[list[str]]:
    rows = []
    for f in r.flows:
        rtt = "/".join(f"{x:.2f}" for x in f.rtt_ms) if f.rtt_ms else "-"
        rows.append([f"{f.source} -> {f.destination}", f"{f.received}/{f.sent}", f"{f.loss:.0f}%",
                     rtt, f"{f.routed_by[0]} / {f.routed_by[1]}",
                     f"{f.overlay[0]} / {f.overlay[1]}"])
    return rows


FLOW_HEAD = ["flow", "replies", "loss", "RTT min/avg/max ms", "routed by (req / reply)",
             "overlay (req / reply)"]


def render(r: FlapResult, console: Console | None = None) -> None:
    console = console or Console(emoji=False, width=None if sys.stdout.isatty() else 140)
    modes = ", ".join(f"{k}={v}" for k, v in r.modes.items())
    family = "IPv6 " if r.ipv6 else ""
    console.rule(f"[bold]MAC flapping: {modes}, {len(r.flows)} {family}flows at {r.rate:g} pps for "
                 f"{r.duration:g} s[/]", align="left")
    t = Table(header_style="bold")
    for col in FLOW_HEAD:
        t.add_column(col)
    for row in _flows(r):
        t.add_row(*row)
    console.print(t)
    console.print(f"switch counter: [bold]{r.counter_moves}[/] moves "
                  f"({r.moves_per_s:.1f}/s); a per-frame learning ToR would have moved router or "
                  f"chassis MACs [bold]{r.router_mac_flips}[/] times "
                  f"({len(r.frame_moves)} moves in all)", highlight=False)
    moving = r.moving_macs()
    t = Table(title="ToR MAC table after the flows (moving MACs in red)", title_justify="left",
              header_style="bold")
    for col in ("vlan", "mac", "what", "port"):
        t.add_column(col)
    for e in r.table_after:
        hot = (e["vlan"], e["mac"]) in moving
        t.add_row(str(e["vlan"]), e["mac"], r.router_macs.get(e["mac"], ""), e["port"],
                  style="bold red" if hot else None)
    console.print(t)
    if r.counted:
        start = r.started
        console.print("when the switch counted moves: " + ", ".join(
            f"t+{t - start:.2f}s: {n}" for t, n in r.counted), highlight=False)
    per_mac = Counter((m["vlan"], m["mac"]) for m in r.frame_moves)
    for (vlan, mac), n in per_mac.most_common(6):
        first = [m for m in r.frame_moves if (m["vlan"], m["mac"]) == (vlan, mac)][:3]
        steps = "; ".join(f"t+{m['t'] - r.started:.3f}s {m['src']}->{m['dst']}" for m in first)
        console.print(f"  {vlan} {mac} ({r.router_macs.get(mac, 'host')}): {n} moves: {steps} ...",
                      highlight=False)


def compare_rows(results: list[FlapResult]) -> list[list[str]]:
    rows = [["mode", "switch counter", "moves/s", "router-MAC moves (per frame)", "MACs moving",
             "routed by (flow 1 req/reply)", "overlay", "RTT avg ms", "loss",
             "first second after switching: loss, moves"]]
    for r in results:
        mode = ", ".join(r.modes.values())
        macs = sorted({r.router_macs.get(m["mac"], m["mac"]) for m in r.frame_moves}) or ["none"]
        f = r.flows[0]
        avg = "/".join(f"{x.rtt_ms[1]:.2f}" if x.rtt_ms else "-" for x in r.flows)
        loss = "/".join(f"{x.loss:.0f}%" for x in r.flows)
        switch = "-"
        if r.on_switch:
            switch = (f"{'/'.join(f'{x:.0f}%' for x in r.on_switch['loss'])}, "
                      f"{r.on_switch['counter_moves']}")
        rows.append([mode, str(r.counter_moves), f"{r.moves_per_s:.1f}", str(r.router_mac_flips),
                     ", ".join(macs), f"{f.routed_by[0]} / {f.routed_by[1]}",
                     f"{any(x.overlay[0] or x.overlay[1] for x in r.flows)}", avg, loss, switch])
    return rows


def markdown(results: list[FlapResult]) -> str:
    rows = compare_rows(results)
    r0 = results[0]
    out = [f"# Routing modes side by side: {len(r0.flows)} concurrent flows "
           f"({', '.join(f.source + '->' + f.destination for f in r0.flows)}) at {r0.rate:g} pps "
           f"for {r0.duration:g} s each", "",
           "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out) + "\n"


def chart(results: list[FlapResult]) -> str:
    """Bars: moves per second per mode (switch counter, and per-frame router-MAC moves)."""
    w, bar, gap, h = 640, 26, 18, 40 + len(results) * 2 * 30
    top = max([r.moves_per_s for r in results] +
              [r.router_mac_flips / r.duration for r in results] + [1])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 30}" '
           'font-family="monospace" font-size="12" role="img" aria-label="moves per second">']
    y = 20
    for r in results:
        mode = ", ".join(r.modes.values())
        for label, value, colour in (("switch", r.moves_per_s, "#c0392b"),
                                     ("per frame", r.router_mac_flips / r.duration, "#e67e22")):
            length = 360 * value / top
            out.append(f'<text x="0" y="{y + 17}">{html.escape(mode)} {label}</text>')
            out.append(f'<rect x="200" y="{y}" width="{length:.1f}" height="{bar}" '
                       f'fill="{colour}"/>')
            out.append(f'<text x="{205 + length:.1f}" y="{y + 17}">{value:.1f}/s</text>')
            y += bar + 4
        y += gap - 4
    out.append("</svg>")
    return "\n".join(out)


def page(results: list[FlapResult]) -> str:
    rows = compare_rows(results)
    table = "<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in rows[0]) + "</tr>"
    table += "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                     for r in rows[1:]) + "</table>"
    return ("<!doctype html><html><head><meta charset='utf-8'><title>routing modes</title><style>"
            "body{font-family:system-ui,sans-serif;margin:24px}table{border-collapse:collapse;"
            "font-family:monospace;font-size:12px}td,th{border:1px solid #ccc;padding:3px 8px}"
            "</style></head><body>" + markdown(results).splitlines()[0].replace("# ", "<h1>")
            + "</h1><h2>MAC moves per second</h2>" + chart(results) + "<h2>Side by side</h2>"
            + table + "<p>switch counter: the ToR's own count of moved MAC entries; per frame: "
            "the moves of router or chassis MACs a ToR learning on every frame would make, rebuilt "
            "from captures on its ports.</p></body></html>")


def write(folder: Path, results: list[FlapResult]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "compare.json").write_text(json.dumps([r.to_json() for r in results], indent=1))
    (folder / "compare.md").write_text(markdown(results))
    (folder / "compare.html").write_text(page(results))
