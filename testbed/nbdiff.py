"""What Neutron writes into NB against what the emulation writes, for the same scenario: two
running testbeds of one file, one with settings.neutron (Neutron built its logical part), one
without. Rows are matched by the role the scenario gives them (switch A, port vm1, router
port router1/public...), never by name, and every OVN name in a value is replaced by its role,
so only what really differs is listed.

    rows = compare(emulated_lab, neutron_lab)
    print(render(rows))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .lab import Lab

COLUMNS = {  # table -> the columns compared
    "Logical_Switch": ("other_config",),
    "Logical_Switch_Port": ("type", "options", "addresses", "port_security", "tag"),
    "Logical_Router": ("options",),
    "Logical_Router_Port": ("mac", "networks", "options", "ipv6_ra_configs"),
}
COUNTED = ("ACL", "Port_Group", "Address_Set", "DHCP_Options", "NAT",
           "Logical_Router_Static_Route", "Gateway_Chassis", "HA_Chassis_Group")


@dataclass(frozen=True)
class Row:
    what: str  # the object by its role: "port vm1", "router port router1/public"
    column: str
    emulated: str
    neutron: str


def roles(lab: Lab) -> dict[str, str]:
    """OVN name -> role, for every object the scenario names."""
    sc, out = lab.scenario, {}
    for s in sc.switches:
        out[sc.ls(s)] = f"switch {s}"
        out[sc.localnet(s)] = f"localnet {s}"
    for v in sc.vms:
        out[sc.lsp(v)] = f"port {v}"
    for r, router in sc.routers.items():
        out[sc.lr(r)] = f"router {r}"
        for p in router.ports:
            out[sc.router_port_name(r, p)] = f"router port {r}/{p.switch}"
            out[sc.switch_router_port(p.switch, r)] = f"switch port {r}/{p.switch}"
    return out


def _text(value, names: dict[str, str]) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v, names)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple | set):
        return "[" + ", ".join(sorted(_text(v, names) for v in value)) + "]"
    text = str(value)
    for name, role in names.items():
        if name and name in text:
            text = text.replace(name, f"<{role}>")
    return text


def snapshot(lab: Lab) -> dict[tuple[str, str], str]:
    """(role, column) -> the value as text, and ("count", table) -> its number of rows."""
    names, out = roles(lab), {}
    tables = lab.nb.idl.tables
    for table, columns in COLUMNS.items():
        for row in tables[table].rows.values():
            role = names.get(row.name)
            if role is None:
                continue
            for column in columns:
                out[(role, column)] = _text(getattr(row, column, ""), names)
    for table in COUNTED:
        out[("rows", table)] = str(len(tables[table].rows)) if table in tables else "0"
    return out


def compare(emulated: Lab, neutron: Lab) -> list[Row]:
    a, b = snapshot(emulated), snapshot(neutron)
    return [Row(role, column, a.get((role, column), "(none)"), b.get((role, column), "(none)"))
            for role, column in sorted(a.keys() | b.keys())
            if a.get((role, column)) != b.get((role, column))]


def render(rows: list[Row]) -> str:
    if not rows:
        return "no difference"
    width = max(len(r.what) for r in rows) + 2
    lines = [f"{'object':<{width}}{'column':<18}emulation  |  Neutron"]
    lines += [f"{r.what:<{width}}{r.column:<18}{r.emulated}  |  {r.neutron}" for r in rows]
    lines.append(f"{len(rows)} difference(s)")
    return "\n".join(lines)
