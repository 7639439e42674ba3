"""The testbed as a picture (SVG): central, chassis with their VMs, ToR trunks, overlay, external."""

from __future__ import annotations

from xml.sax.saxutils import escape

BOX_W, BOX_H, GAP = 170, 40, 30
COLOURS = {"central": "#dbe9f6", "gateway": "#fde2c8", "compute": "#d9f2d9", "tor": "#eeeeee",
           "external": "#f3dcf3", "vm": "#ffffff"}


def topology_svg(snap: dict) -> str:
    """Draw a summary snapshot (see summary.collect) as an SVG document."""
    nodes = {n["name"]: n["role"] for n in snap["nodes"]}
    chassis = [n for n, r in nodes.items() if r in ("gateway", "compute")]
    vms_on: dict[str, list[dict]] = {c: [] for c in chassis}
    for vm in snap["vms"]:
        vms_on.setdefault(vm["bound_to"] or vm["placed_on"], []).append(vm)
    active = {p["active_on"] for p in snap["router_ports"] if p["active_on"]}
    vlans = sorted({s["vlan"] for s in snap["switches"] if s["vlan"]})
    width = max(len(chassis), 2) * (BOX_W + GAP) + GAP
    y_central, y_overlay, y_chassis = 26, 106, 136
    y_vms = y_chassis + BOX_H + 10
    y_tor = y_vms + max((len(v) for v in vms_on.values()), default=0) * 34 + 40
    height = y_tor + BOX_H + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="12">',
           f'<text x="{GAP}" y="14" font-weight="bold">testbed {escape(snap["testbed"])} - '
           f'datapath {snap["datapath"]}, ToR {snap["tor_backend"]}</text>']

    def box(x, y, label, role, sub="", bold=False, w=BOX_W):
        out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{BOX_H - 8 if role == "vm" else BOX_H}"'
                   f' rx="6" fill="{COLOURS[role]}" stroke="{"#c0392b" if bold else "#555"}"'
                   f' stroke-width="{3 if bold else 1}"/>')
        out.append(f'<text x="{x + 8}" y="{y + 15}" font-weight="bold">{escape(label)}</text>')
        if sub:
            out.append(f'<text x="{x + 8}" y="{y + 28}" font-size="10">{escape(sub)}</text>')

    def line(x1, y1, x2, y2, dash="", colour="#555", label="", at=None):
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}"'
                   f'{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
        if label:
            lx, ly = at or ((x1 + x2) / 2 + 4, (y1 + y2) / 2)
            out.append(f'<text x="{lx}" y="{ly}" font-size="10" fill="{colour}">{escape(label)}</text>')

    xs = {c: GAP + i * (BOX_W + GAP) for i, c in enumerate(chassis)}
    centrals = [n for n, r in nodes.items() if r == "central"]
    relays = [n for n, r in nodes.items() if r == "relay"]
    if centrals:
        cx = width / 2 - BOX_W / 2
        sub = "NB + SB + northd" if len(centrals) == 1 else \
            f"NB + SB RAFT x{len(centrals)}, northd"
        sub += f", {len(relays)} SB relay{'s' * (len(relays) > 1)}" if relays else ""
        label = centrals[0] + (f" +{len(centrals) - 1}" if len(centrals) > 1 else "")
        box(cx, y_central, label, "central", sub, w=BOX_W + 40 if relays else BOX_W)
        for x in xs.values():
            line(cx + BOX_W / 2, y_central + BOX_H, x + BOX_W / 2, y_chassis, "2,3", "#2c7fb8")
    if len(xs) > 1:
        right = GAP + len(xs) * (BOX_W + GAP) - GAP
        line(GAP, y_overlay, right, y_overlay, "6,3", "#8e44ad",
             f"{snap.get('encap', 'geneve')} overlay (BFD between gateways)",
             at=(right - 230, y_overlay - 5))
    tor = next((n for n, r in nodes.items() if r == "tor"), None)
    for c, x in xs.items():
        line(x + BOX_W / 2, y_overlay, x + BOX_W / 2, y_chassis, "6,3", "#8e44ad")
        role = nodes[c]
        sub = "active gateway" if c in active else role
        box(x, y_chassis, c, role, sub, bold=c in active)
        for i, vm in enumerate(vms_on.get(c, [])):
            box(x + 24, y_vms + i * 34, vm["name"], "vm", f'{vm["ip"]} vlan {vm["vlan"]}',
                w=BOX_W - 24)
        if tor:
            line(x + 12, y_chassis + BOX_H, x + 12, y_tor, "", "#555",
                 "trunk " + ",".join(map(str, vlans)), at=(x + 16, y_tor - 5))
    if tor:
        tor_w = max(len(xs), 1) * (BOX_W + GAP) - GAP
        out.append(f'<rect x="{GAP}" y="{y_tor}" width="{tor_w}" height="{BOX_H}" rx="6" '
                   f'fill="{COLOURS["tor"]}" stroke="#555"/>')
        out.append(f'<text x="{GAP + 8}" y="{y_tor + 24}" font-weight="bold">{escape(tor)} '
                   f'(ToR, {snap["tor_backend"]}): {len(snap["tor_fdb"])} MACs learned, '
                   f'{snap["mac_moves"]} moves</text>')
    for i, (name, _) in enumerate((n, r) for n, r in nodes.items() if r == "external"):
        ext_x, y = GAP + i * (BOX_W + GAP), y_central  # above the gateways, beside central
        box(ext_x, y, name, "external", "external network")
        for c, x in xs.items():
            if nodes[c] == "gateway":
                line(x + BOX_W - 20, y_chassis, ext_x + BOX_W / 2, y + BOX_H, "", "#d35400")
    out.append("</svg>")
    return "\n".join(out)
