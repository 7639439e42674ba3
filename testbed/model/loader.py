"""Scenario file -> typed model, with one clear error per problem (file, line, field and fix)."""

from __future__ import annotations

import ipaddress
import types
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import TestbedError
from . import build, graph, partial
from .checks import check_checks
from .cluster import check_cluster
from .consistency import check_consistency
from .expand import expand
from .impair import check_impairments
from .ipv6 import derive
from .lb import check_load_balancers
from .neutron import check_neutron, check_source, resolve_source
from .problem import Problem
from .scenario import HaPlacement, Network, Role, Scenario
from .services import check_services


class ScenarioError(TestbedError, ValueError):
    """The scenario file cannot be used; nothing was started."""

    def __init__(self, source: str, problems: list[Problem], note: str = ""):
        self.source = source
        self.problems = problems
        self.note = note
        lines = [p.render(source) for p in problems]
        super().__init__(f"{len(problems)} problem(s) in {source}:\n  " + "\n  ".join(lines)
                         + (f"\n{note}" if note else ""))


BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"


def bundled() -> list[str]:
    """Names of the scenarios shipped with the package (`load("dvr")` loads one)."""
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


def find(ref: str | Path) -> Path:
    """A scenario file: `ref` itself when it exists, else the bundled scenario of that name."""
    path = Path(ref)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    shipped = BUNDLED / f"{ref}.yaml"
    return shipped if shipped.exists() else path


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file (a path, or the name of a bundled scenario)."""
    path = find(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [Problem("(file)", exc.strerror or str(exc),
                                                "give the path of a scenario YAML file or a bundled "
                                                "scenario's name: " + ", ".join(bundled()))]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ScenarioError(str(path), [Problem("(file)", f"byte {exc.start} is not UTF-8 "
                                                f"({exc.object[exc.start:exc.start + 1]!r})",
                                                "save the file as UTF-8", line)]) from None
    return parse(text, str(path), path.parent)


def _found(data: object) -> str:
    if data is None:
        return "the file is empty"
    kind = {list: "a list", str: "a single string", int: "a number", float: "a number",
            bool: "a boolean"}.get(type(data), type(data).__name__)
    return f"the file holds {kind}, not a mapping of sections"


def _duplicate_keys(node: yaml.Node | None, prefix: str = "") -> list[Problem]:
    """Keys written twice in one mapping: YAML keeps the last silently (a VM would vanish)."""
    out: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            line = key.start_mark.line + 1
            if key.value in first:
                out.append(Problem(path, f"'{key.value}' is written twice (lines "
                                   f"{first[key.value]} and {line}); the second would silently "
                                   "replace the first", "keep one, or rename one", line))
            first.setdefault(key.value, line)
            out += _duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, f"{prefix}.{i}" if prefix else str(i))
    return out


def parse(text: str, source: str = "<scenario>", base: Path | None = None) -> Scenario:
    """Validate a scenario's text; relative paths in it (OVN trees) are relative to `base`
    (the file's folder; the current folder when None)."""
    try:
        data = yaml.safe_load(text)
        tree = yaml.compose(text)
        lines = _line_index(tree)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(source, [Problem(
            "(yaml)", str(getattr(exc, "problem", exc)), "correct the YAML syntax",
            mark.line + 1 if mark else None)]) from None
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("(top)", _found(data),
                                             "start from scenarios/l3-over-vlan.yaml", 1)])
    duplicates = _duplicate_keys(tree)
    if duplicates:
        raise ScenarioError(source, duplicates)
    data, grouped = expand(data, lines)
    if grouped:
        raise ScenarioError(source, [Problem(p.field, p.message, p.fix, _line_of(lines, p.field))
                                     for p in grouped])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_from_pydantic(err, lines) for err in exc.errors()]
        more, note = _checks_without(data, exc, lines, base)
        raise ScenarioError(source, problems + more, note) from None
    scenario = derive(_resolve_builds(scenario, base or Path.cwd()))
    problems = _cross_checks(scenario, lines)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def _cross_checks(scenario: Scenario, lines: dict) -> list[Problem]:
    return [Problem(p.field, p.message, p.fix, _line_of(lines, p.field))
            for p in check(scenario) + _check_builds(scenario)]


def _checks_without(data: dict, exc: ValidationError, lines: dict,
                    base: Path | None) -> tuple[list[Problem], str]:
    """The cross checks of what did validate (partial.checks_without): one pass reports every
    problem it can find."""
    def checked(pruned: dict) -> list[Problem]:
        return _cross_checks(_resolve_builds(Scenario.model_validate(pruned),
                                             base or Path.cwd()), lines)
    return partial.checks_without(data, exc, checked)


def _resolve_builds(sc: Scenario, base: Path) -> Scenario:
    settings = sc.settings.model_copy(update={"ovn": build.resolve(sc.settings.ovn, base)})
    nodes = {n: node.model_copy(update={"ovn": build.resolve(node.ovn, base)})
             for n, node in sc.nodes.items()}
    return resolve_source(sc.model_copy(update={"settings": settings, "nodes": nodes}), base)


def _check_builds(sc: Scenario) -> list[Problem]:
    out = build.check(sc.settings.ovn, "settings.ovn")
    for name, node in sc.nodes.items():
        out += build.check(node.ovn, f"nodes.{name}.ovn")
    return out + check_source(sc)


# --- cross references -------------------------------------------------------------------------

def _impairments(sc: Scenario) -> list[Problem]:
    if not sc.impairments:
        return []
    try:
        links_of = graph.of(sc).neighbours
    except KeyError:  # a partial scenario (other fields refused): links are checked later
        links_of = None
    return check_impairments(sc, links_of)


def _node_fields(sc: Scenario) -> list[Problem]:
    """Fields a node takes only in some roles."""
    out: list[Problem] = []
    for name, node in sc.nodes.items():
        if node.role is Role.external and node.address is None:
            out.append(Problem(f"nodes.{name}.address", "an external host needs an address",
                               "add address: <ip>/<prefix> on the external network"))
        if node.role is not Role.external and node.address is not None:
            out.append(Problem(f"nodes.{name}.address", "only external hosts take an address",
                               "remove it; chassis addresses are assigned by Docker"))
        if node.external_network and node.role is not Role.compute:
            out.append(Problem(f"nodes.{name}.external_network", "only a compute chassis takes "
                               "external_network (gateways are on it anyway)",
                               "remove it"))
        if node.chassis_mac and not node.is_chassis:
            out.append(Problem(f"nodes.{name}.chassis_mac", "only chassis take a chassis MAC",
                               "remove it, or give the node role gateway or compute"))
        if node.role is Role.neutron and not sc.settings.neutron:
            out.append(Problem(f"nodes.{name}.role", "a neutron node without settings.neutron",
                               "set settings.neutron: true (it adds the node itself)"))
        if node.trunks and not node.is_chassis:
            out.append(Problem(f"nodes.{name}.trunks", "only chassis have trunks to the ToR",
                               "remove it"))
    return out


def check(sc: Scenario) -> list[Problem]:
    """Problems that span fields: roles, references, addresses inside subnets, duplicates."""
    out: list[Problem] = []
    chassis = sc.chassis
    found = sc.nodes_with(Role.tor)
    if len(found) != 1:
        out.append(Problem("nodes", f"{len(found)} nodes have role 'tor', one is needed",
                           "keep exactly one node with role: tor"))
    out += check_cluster(sc)
    out += check_checks(sc)
    out += _impairments(sc)
    if not chassis:
        out.append(Problem("nodes", "no node has role 'gateway' or 'compute'",
                           "add at least one chassis node"))
    out += _node_fields(sc)
    out += check_neutron(sc)
    for name, sw in sc.switches.items():
        if sw.network is Network.provider and sw.vlan is None:
            out.append(Problem(f"switches.{name}.vlan", "a provider-network switch needs a VLAN",
                               "add vlan: <1-4094>"))
        if sw.network is Network.tenant and sw.vlan is not None:
            out.append(Problem(f"switches.{name}.vlan", "a tenant network has no VLAN (it runs "
                               "over geneve between chassis)",
                               "remove vlan, or set network: provider"))
        if sw.network is Network.external and sw.vlan is not None:
            out.append(Problem(f"switches.{name}.vlan", "the external network is flat",
                               "remove vlan, or set network: provider"))
    seen_ip: dict[str, str] = {}
    seen_mac: dict[str, str] = {}

    def unique(field: str, ip: str, mac: str) -> None:
        for value, seen, what in ((ip, seen_ip, "IP"), (mac, seen_mac, "MAC")):
            if value in seen:
                out.append(Problem(field, f"{what} {value} is already used by {seen[value]}",
                                   f"give each port its own {what}"))
            seen[value] = field

    for rname, router in sc.routers.items():
        switches_seen: set[str] = set()
        for i, port in enumerate(router.ports):
            field = f"routers.{rname}.ports.{i}"
            if port.switch in switches_seen:
                out.append(Problem(f"{field}.switch", f"{rname} has two ports on '{port.switch}'",
                                   "keep one router port per switch"))
            switches_seen.add(port.switch)
            out += _address_on_switch(sc, field, port.switch, port.ip)
            for gw in port.gateway_chassis:
                if gw not in chassis:
                    out.append(Problem(f"{field}.gateway_chassis.{gw}",
                                       f"'{gw}' is not a chassis node",
                                       f"use one of {', '.join(chassis) or '(none defined)'}"))
            if port.ha_placement is not HaPlacement.gateway_chassis and not port.gateway_chassis:
                out.append(Problem(f"{field}.ha_placement", "ha_placement schedules a gateway "
                                   "port, and this port has no gateway_chassis",
                                   "add gateway_chassis: {<chassis>: <priority>, ...}, "
                                   "or remove ha_placement"))
            sw = sc.switches.get(port.switch)
            gws = sc.nodes_with(Role.gateway) or ["<gateway>"]
            if sw and sw.network is Network.external and not port.gateway_chassis and \
                    router.chassis is None:  # a gateway router's port leaves from its chassis
                out.append(Problem(f"{field}.gateway_chassis",
                                   "a port on the external network needs gateway chassis",
                                   "add gateway_chassis: {" + ", ".join(
                                       f"{g}: {len(gws) - i}" for i, g in enumerate(gws))
                                   + "}, or bind the router to a gateway (chassis:)"))
            unique(field, port.ip, port.mac)
    for rname, router in sc.routers.items():
        if router.mode.needs_gateway_port and router.gateway_port is None:
            out.append(Problem(f"routers.{rname}.mode", f"mode '{router.mode.value}' needs a "
                               "gateway port (its traffic goes through the gateway chassis)",
                               "give one port gateway_chassis, or use mode distributed"))
    for sname, sw in sc.switches.items():
        on = [r for r, _ in sc.routers_on(sname)]
        if sw.gateway is not None and sw.gateway not in on:
            out.append(Problem(f"switches.{sname}.gateway", f"router '{sw.gateway}' has no port "
                               f"on {sname}", f"use one of {', '.join(on) or '(no router)'}"))
        elif sw.gateway is None and len(on) > 1 and sw.network is Network.provider:
            out.append(Problem(f"switches.{sname}.gateway", f"{len(on)} routers have a port on "
                               f"{sname} ({', '.join(on)}) and none is its hosts' gateway",
                               f"add gateway: {on[0]}"))
    for vname, vm in sc.vms.items():
        field = f"vms.{vname}"
        if vname in sc.nodes:
            out.append(Problem(field, f"'{vname}' is also a node's name (both become containers)",
                               "give the VM another name"))
        if vm.chassis not in chassis:
            out.append(Problem(f"{field}.chassis", f"'{vm.chassis}' is not a chassis node",
                               f"use one of {', '.join(chassis) or '(none defined)'}"))
        sw = sc.switches.get(vm.switch)
        if sw and sw.network is Network.external:
            out.append(Problem(f"{field}.switch", f"'{vm.switch}' is on the external network",
                               "place VMs on provider or tenant switches"))
        out += _address_on_switch(sc, field, vm.switch, vm.ip)
        unique(field, vm.ip, vm.mac)
    return out + check_services(sc) + check_consistency(sc) + check_load_balancers(sc)


def _address_on_switch(sc: Scenario, field: str, switch: str, ip: str) -> list[Problem]:
    sw = sc.switches.get(switch)
    if sw is None:
        known = ", ".join(sc.switches) or "(none defined)"
        return [Problem(f"{field}.switch", f"there is no switch '{switch}'", f"use one of {known}")]
    net = ipaddress.ip_network(sw.cidr)
    addr = ipaddress.ip_address(ip)
    if addr not in net:
        return [Problem(f"{field}.ip", f"{ip} is outside {switch}'s subnet {sw.cidr}",
                        f"pick an address inside {sw.cidr}")]
    if net.num_addresses > 2 and addr in (net.network_address, net.broadcast_address):
        return [Problem(f"{field}.ip", f"{ip} is the network or broadcast address of {sw.cidr}",
                        "pick a host address")]
    return []


# --- pydantic errors -> problems ------------------------------------------------------------

def _from_pydantic(err: dict, lines: dict[str, int]) -> Problem:
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")
           and not str(p).endswith("-check")]  # a check's kind (model/checks.py's tags)
    if loc and loc[-1] == "[key]":  # the error is about a name used as a key
        loc = loc[:-1]
        err = {**err, "msg": f"the name '{loc[-1]}' is not allowed: {err['msg']}"}
    kind = err["type"]
    parent, last = loc[:-1], loc[-1] if loc else "(top)"
    field = ".".join(loc) or "(top)"
    message = err["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        known = ", ".join(_known_keys(parent)) or "none"
        return Problem(field, f"unknown key '{last}'",
                       f"remove it or correct its spelling (keys allowed here: {known})",
                       _line_of(lines, field))
    if kind == "missing":
        return Problem(field, "this field is missing", f"add '{last}:'",
                       _line_of(lines, ".".join(parent)))
    fixes = {
        "string_pattern_mismatch": "use lowercase letters, digits and '-', starting with a letter",
        "string_too_long": "use a shorter name (it becomes part of interface names)",
        "enum": "use one of the values listed",
        "literal_error": "use one of the values listed",
    }
    fix = fixes.get(kind)
    if fix is None and last == "vlan":
        fix = "use a VLAN ID from 1 to 4094"
    if fix is None:
        fix = "correct the value" if kind != "value_error" else "see the example in the message"
    return Problem(field, message, fix, _line_of(lines, field))


def _known_keys(loc: list[str]) -> list[str]:
    """Field names allowed at a location of the Scenario model."""
    tp: object = Scenario
    for part in loc:
        tp = _unwrap(tp)
        members = [m for m in typing.get_args(tp) if isinstance(_unwrap(m), type)
                   and issubclass(_unwrap(m), BaseModel) and part in _unwrap(m).model_fields]
        tp = _unwrap(members[0]) if members else tp  # the union's member with that field
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return []
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: object) -> object:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _unwrap(args[0]) if len(args) == 1 else tp
    return tp


# --- YAML line numbers --------------------------------------------------------------------

def _line_index(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Map 'a.b.0.c' -> 1-based line of that key (or item) in the YAML text."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            out[path] = key.start_mark.line + 1
            out.update(_line_index(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}.{i}" if prefix else str(i)
            out[path] = item.start_mark.line + 1
            out.update(_line_index(item, path))
    return out


def _line_of(lines: dict[str, int], field: str) -> int:
    """The line of a field, else of its nearest written parent, else the file's first line
    (a top-level section that is missing)."""
    parts = field.split(".")
    while parts:
        line = lines.get(".".join(parts))
        if line:
            return line
        parts.pop()
    return 1


def recheck(sc: Scenario, source: str) -> Scenario:
    """A scenario changed after loading (another suite, own OVN) checked again as a whole: its
    problems are raised as the file's, before anything starts."""
    problems = check(sc)
    if problems:
        raise ScenarioError(source, problems)
    return sc


def with_ovn(sc: Scenario, path: str) -> Scenario:
    """The same scenario with settings.ovn from a path (the command line's --ovn): a source
    tree when it holds configure.ac, else an install tree. Checked as the file's would be."""
    kind = "source" if (Path(path).expanduser() / "configure.ac").exists() else "prefix"
    choice = build.resolve(build.OvnBuild(**{kind: path}), Path.cwd())
    problems = build.check(choice, "--ovn")
    if problems:
        raise ScenarioError("the command line", problems)
    return sc.model_copy(update={"settings": sc.settings.model_copy(update={"ovn": choice})})
