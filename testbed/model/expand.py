"""Many nodes and VMs from one entry: `count` and `pattern` (scale scenarios), expanded before
validation so every expanded node and VM is checked as if it had been written out.

    nodes:
      hv: {role: compute, count: 100}                 # hv-001 ... hv-100
    vms:
      vm: {switch: A, chassis: hv, count: 200, ip: 10.11.0.10}
          # vm-001 ... vm-200, spread over hv-001 ... hv-100 in turn, 10.11.0.10 upwards;
          # MACs fa:16:3e:GG:NN:NN (GG from the group, NN the number) unless `mac` gives
          # the first one

`pattern` names the copies (default "{name}-{n:0W}", W the digits of count; n counts from 1).
An error in an expanded entry is reported at the group's line.
"""

from __future__ import annotations

import hashlib
import ipaddress

from .problem import Problem

MAX_COUNT = 1000
MAX_REPLICAS = 7
MAX_RELAYS = 8
"""members of a central's clusters (each a container with two ovsdb-servers and a northd)"""
GROUP_KEYS = ("count", "pattern")


def expand(data: dict, lines: dict[str, int]) -> tuple[dict, list[Problem]]:
    """`data` with its node and VM groups written out; `lines` gains the copies' lines."""
    problems: list[Problem] = []
    groups: dict[str, list[str]] = {}
    out = dict(data)
    if isinstance(data.get("nodes"), dict):
        nodes = _replicas(data["nodes"], lines, problems)
        nodes = _neutron(data, nodes, lines, problems)
        out["nodes"] = _section(nodes, "nodes", lines, problems, groups, None)
    if isinstance(data.get("vms"), dict):
        out["vms"] = _section(data["vms"], "vms", lines, problems, {}, groups)
    return out, problems


def _section(entries: dict, section: str, lines: dict[str, int], problems: list[Problem],
             groups: dict[str, list[str]], chassis_groups: dict[str, list[str]] | None) -> dict:
    out: dict = {}
    for name, entry in entries.items():
        if not (isinstance(entry, dict) and "count" in entry):
            out[name] = entry
            continue
        field = f"{section}.{name}"
        names, problem = _names(str(name), entry, field)
        if problem:
            problems.append(problem)
            continue
        clash = [n for n in names if n in entries or n in out]
        if clash:
            problems.append(Problem(f"{field}.pattern", f"copies clash with '{clash[0]}'",
                                    "choose a pattern whose names are not used elsewhere"))
            continue
        groups[str(name)] = names
        base = {k: v for k, v in entry.items() if k not in GROUP_KEYS}
        for i, copy in enumerate(names):
            item = dict(base)
            if chassis_groups is not None:
                item, problem = _vm_copy(item, i, copy, field, chassis_groups)
                if problem:
                    problems.append(problem)
                    break
            out[copy] = item
            for key, line in list(lines.items()):  # the copies' fields point at the group's
                if key == field or key.startswith(field + "."):
                    lines[f"{section}.{copy}{key[len(field):]}"] = line
    return out


def _replicas(entries: dict, lines: dict[str, int], problems: list[Problem]) -> dict:
    """A central with `replicas: N` (N > 1) and its members NAME-2 ... NAME-N (the members of
    its NB and SB clusters, each a central node: model/cluster.py), and with `relays: N` its SB
    relays NAME-relay-1 ... NAME-relay-N."""
    out: dict = {}
    for name, entry in entries.items():
        out[name] = entry
        replicas = entry.get("replicas") if isinstance(entry, dict) else None
        relays = entry.get("relays") if isinstance(entry, dict) else None
        if entry_role(entry) != "central":
            continue
        # what is not a valid count is the schema's to refuse
        if _count(replicas, 2, MAX_REPLICAS):
            _add(entries, out, lines, problems, name, "replicas",
                 {f"{name}-{n}": {"role": "central"} for n in range(2, replicas + 1)})
        if _count(relays, 1, MAX_RELAYS):
            _add(entries, out, lines, problems, name, "relays",
                 {f"{name}-relay-{n}": {"role": "relay"} for n in range(1, relays + 1)})
    return out


def _count(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _neutron(data: dict, nodes: dict, lines: dict[str, int], problems: list[Problem]) -> dict:
    """settings.neutron: true adds the node `neutron` (role neutron), at that setting's line,
    unless the file writes a node of role neutron itself."""
    settings = data.get("settings")
    wanted = isinstance(settings, dict) and (settings.get("neutron") is True
                                             or isinstance(settings.get("neutron"), dict))
    if not wanted or any(
            entry_role(e) == "neutron" for e in nodes.values()):
        return nodes
    if "neutron" in nodes:
        problems.append(Problem("nodes.neutron", "settings.neutron adds a node named 'neutron' "
                                "and one of that name exists", "rename node 'neutron'"))
        return nodes
    lines.setdefault("nodes.neutron", lines.get("settings.neutron", 0))
    return {**nodes, "neutron": {"role": "neutron"}}


def _add(entries: dict, out: dict, lines: dict[str, int], problems: list[Problem], name: str,
         key: str, added: dict[str, dict]) -> None:
    """Nodes a central's `key` (replicas, relays) makes, at the central's line; a name taken
    by a written node is refused."""
    field = f"nodes.{name}"
    clash = [n for n in added if n in entries]
    if clash:
        problems.append(Problem(f"{field}.{key}", f"node '{clash[0]}' it would add clashes with "
                                "a node of that name", f"rename node '{clash[0]}'"))
        return
    out.update(added)
    for member in added:
        for k, line in list(lines.items()):
            if k == field or k.startswith(field + "."):
                lines[f"nodes.{member}{k[len(field):]}"] = line


def entry_role(entry) -> str | None:
    return entry.get("role") if isinstance(entry, dict) else None


def _names(name: str, entry: dict, field: str) -> tuple[list[str], Problem | None]:
    count = entry.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        return [], Problem(f"{field}.count", f"count must be a whole number from 1 to "
                           f"{MAX_COUNT}, not {count!r}", "give how many copies to make")
    pattern = entry.get("pattern", "{name}-{n:0" + str(len(str(count))) + "}")
    if not isinstance(pattern, str) or "{n" not in pattern:
        return [], Problem(f"{field}.pattern", f"pattern {pattern!r} has no {{n}}",
                           'write where the number goes, e.g. "hv{n:03}"')
    try:
        names = [pattern.format(name=name, n=n) for n in range(1, count + 1)]
    except (KeyError, ValueError, IndexError) as exc:
        return [], Problem(f"{field}.pattern", f"pattern {pattern!r} cannot be filled ({exc})",
                           "use {name} and {n} only, e.g. \"{name}-{n:03}\"")
    if len(set(names)) != len(names):
        return [], Problem(f"{field}.pattern", f"pattern {pattern!r} repeats names",
                           "put {n} in the pattern")
    return names, None


def _vm_copy(item: dict, i: int, name: str, field: str,
             chassis_groups: dict[str, list[str]]) -> tuple[dict, Problem | None]:
    chassis = item.get("chassis")
    if isinstance(chassis, str) and chassis in chassis_groups:
        members = chassis_groups[chassis]
        item["chassis"] = members[i % len(members)]
    if "ip" in item:
        try:
            item["ip"] = str(ipaddress.ip_address(str(item["ip"])) + i)
        except ValueError as exc:
            return item, Problem(f"{field}.ip", f"first address {item['ip']!r}: {exc}",
                                 "give the first VM's address, e.g. 10.11.0.10")
    if "mac" in item:
        try:
            first = int(str(item["mac"]).replace(":", ""), 16)
        except ValueError:
            return item, Problem(f"{field}.mac", f"first MAC {item['mac']!r} is not a MAC",
                                 'write it as "fa:16:3e:00:00:01"')
        item["mac"] = _mac(first + i)
    else:  # the group's byte, then the copy's number: distinct within a group
        group = hashlib.sha1(field.encode()).digest()[0]
        item["mac"] = _mac(0xFA163E000000 + (group << 16) + i + 1)
    return item, None


def _mac(value: int) -> str:
    raw = f"{value & 0xFFFFFFFFFFFF:012x}"
    return ":".join(raw[j:j + 2] for j in range(0, 12, 2))
