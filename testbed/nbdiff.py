"""What Neutron writes into NB against what the emulation writes, for the same scenario: two
running testbeds of one file, one with settings.neutron (Neutron built its logical part), one
without. Rows are matched by the role the scenario gives them (switch A, port vm1, gateway
port router1/public, group web, nat snat router1:10.0.0.0/24...), never by name, option
columns key by key, and every OVN name in a value is replaced by its role, so only what really
differs is listed; each difference carries the reason where it is known (EXPLAINED).

    rows = compare(emulated_lab, neutron_lab)
    print(render(rows))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import names as _names

if TYPE_CHECKING:
    from .lab import Lab

COLUMNS = {  # table -> the columns compared
    "Logical_Switch": ("other_config",),
    "Logical_Switch_Port": ("type", "options", "addresses", "port_security", "tag"),
    "Logical_Router": ("options",),
    "Logical_Router_Port": ("mac", "networks", "options", "ipv6_ra_configs"),
}
NAT_COLUMNS = ("external_ip", "external_mac", "logical_port", "options")
COUNTED = ("Address_Set", "DHCP_Options", "Logical_Router_Static_Route", "HA_Chassis_Group")
SCHEDULED = ("Neutron schedules a gateway port itself (its leastloaded scheduler, on every chassis "
             "offered as a gateway, priorities of its choosing) where the file names chassis "
             "and priorities; the testbed then follows what Neutron scheduled")
NEUTRON_DEFAULT_GROUP = "Neutron's default group"
EXPLAINED: dict[tuple[str, str], str] = {
    # (kind or whole object, column) -> why Neutron and the emulation differ there
    ("gateway port", "mac"):
        "Neutron picks a gateway port's MAC itself (a router's external_gateway_info takes "
        "none); the testbed then uses the one Neutron picked",
    (NEUTRON_DEFAULT_GROUP, "acls"):
        "Neutron makes the project's security group 'default' the first time the project's "
        "groups are asked for (egress IPv4 and IPv6, ingress from the group itself); no port of "
        "the file is in it",
    (NEUTRON_DEFAULT_GROUP, "ports"): "(the same group: it has no port)",
    ("gateway port", "gateway_chassis:*"): SCHEDULED,
    ("gateway switch port", "options:requested-chassis"): SCHEDULED + " (the gateway of highest "
                                                            "priority)",
    ("nat dnat_and_snat", "external_mac"):
        "a distributed floating IP answers with the MAC of the port Neutron makes for it on "
        "the external network (Neutron picks it); the testbed then uses that one",
}


@dataclass(frozen=True)
class Row:
    what: str  # the object by its role: "port vm1", "gateway port router1/public"
    column: str  # "options:requested-chassis" for one key of a map column
    emulated: str
    neutron: str
    why: str = ""  # why Neutron and the emulation differ here ("" when unexplained)


def kind(what: str) -> str:
    """An object's kind from its role: "gateway port router1/public" -> "gateway port"."""
    return what.rsplit(" ", 1)[0]


def roles(lab: Lab) -> dict[str, str]:
    """OVN name -> role, for every object the scenario names."""
    sc, out = lab.scenario, {}
    for s in sc.switches:
        out[sc.ls(s)] = f"switch {s}"
        out[sc.localnet(s)] = f"localnet {s}"
    for v in sc.vms:
        out[sc.lsp(v)] = f"port {v}"
    out[_names.DROP_PORT_GROUP] = "group (drop)"
    for g in sc.security_groups:
        got = sc.neutron_ids.get(f"group/{g}")
        out[_names.port_group(got or g)] = f"group {g}"  # Neutron's: pg_<its ID>
    if "group/default" in sc.neutron_ids and "default" not in sc.security_groups:
        out[_names.port_group(sc.neutron_ids["group/default"])] = NEUTRON_DEFAULT_GROUP
    for r, router in sc.routers.items():
        out[sc.lr(r)] = f"router {r}"
        for p in router.ports:
            gw = bool(p.gateway_chassis)  # what belongs to gateway ports is their own kind
            out[sc.router_port_name(r, p)] = f"{'gateway' if gw else 'router'} port {r}/{p.switch}"
            out[sc.switch_router_port(p.switch, r)] = \
                f"{'gateway switch' if gw else 'switch'} port {r}/{p.switch}"
    return out


def _text(value, names: dict[str, str]) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v, names)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple | set):
        return "[" + ", ".join(sorted(_text(v, names) for v in value)) + "]"
    text = str(value)
    for name, role in sorted(names.items(), key=lambda kv: -len(kv[0])):  # R1-A before R1
        if name and name in text:
            text = text.replace(name, f"<{role}>")
    return text


def _put(out: dict, what: str, column: str, value, names: dict[str, str]) -> None:
    if isinstance(value, dict):  # key by key: each difference on its own
        out.update({(what, f"{column}:{k}"): _text(v, names) for k, v in value.items()})
    else:
        out[(what, column)] = _text(value, names)


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
                _put(out, role, column, getattr(row, column, ""), names)
            if table == "Logical_Router_Port":  # where it is scheduled: chassis -> priority
                _put(out, role, "gateway_chassis", {g.chassis_name: g.priority
                                                    for g in row.gateway_chassis}, names)
    for group in tables["Port_Group"].rows.values():  # by role; a group's ACLs as text
        role = names.get(group.name)
        if role is not None:
            out[(role, "acls")] = _text([f"{a.direction} {a.priority} {a.match} {a.action}"
                                         for a in group.acls], names)
            out[(role, "ports")] = _text([p.name for p in group.ports], names)
    for router in tables["Logical_Router"].rows.values():  # NAT by type, router, inside
        role = names.get(router.name, "").removeprefix("router ")
        for nat in router.nat if role else ():
            what = f"nat {nat.type} {role}:{nat.logical_ip}"
            for column in NAT_COLUMNS:
                _put(out, what, column, getattr(nat, column, ""), names)
    for table in COUNTED:
        out[("rows", table)] = str(len(tables[table].rows)) if table in tables else "0"
    return out


def compare(emulated: Lab, neutron: Lab) -> list[Row]:
    """Every (object, column) whose values differ, with its explanation where one is known."""
    a, b = snapshot(emulated), snapshot(neutron)
    return [Row(role, column, a.get((role, column), "(none)"), b.get((role, column), "(none)"),
                _explain(role, column))
            for role, column in sorted(a.keys() | b.keys())
            if a.get((role, column)) != b.get((role, column))]


def _explain(what: str, column: str) -> str:
    """The reason for the object itself, for its kind, or for any key of the column."""
    return (EXPLAINED.get((what, column)) or EXPLAINED.get((kind(what), column))
            or EXPLAINED.get((kind(what), column.split(":")[0] + ":*"), ""))


def unexplained(rows: list[Row]) -> list[Row]:
    return [r for r in rows if not r.why]


def render(rows: list[Row]) -> str:
    if not rows:
        return "no difference"
    width = max(len(r.what) for r in rows) + 2
    cwidth = max(len(r.column) for r in rows) + 2
    lines = [f"{'object':<{width}}{'column':<{cwidth}}emulation  |  Neutron"]
    for r in sorted(rows, key=lambda r: (bool(r.why), r.what, r.column)):
        lines.append(f"{r.what:<{width}}{r.column:<{cwidth}}{r.emulated}  |  {r.neutron}")
        lines.append(f"{'':<{width}}  {'why: ' + r.why if r.why else 'UNEXPLAINED'}")
    lines.append(f"{len(rows)} difference(s), {len(unexplained(rows))} unexplained")
    return "\n".join(lines)
