"""Security groups written as OVN sees them from Neutron: a Port_Group per group with a
stateful ACL per rule, and one drop group that denies everything no rule allows.

    ingress rule -> to-lport   `outport == @pg_web && ip4 && ip4.src == 10.0.0.0/24 && tcp && tcp.dst == 22`
    egress rule  -> from-lport `inport == @pg_web && ip4 && ...`
    remote_group -> the group's address set, `$pg_<group>_ip4` (OVN keeps one per Port_Group)
    ethertype: IPv6 -> `ip6`, `ip6.src`, `$pg_<group>_ip6`, and icmp is `icmp6`

Neighbour discovery and router advertisements need no rule: OVN's own ACL stage lets them
through above every ACL.

Priorities as Neutron's OVN driver uses them: drops at 1001, rules (allow-related) at 1002.
Neutron writes no rule for DHCP and DHCPv6 requests: a port whose groups allow no egress gets no
lease (the scenario's validation refuses that). OVN lets the replies through itself.
"""

from __future__ import annotations

from .. import names
from ..model import Rule, Scenario
from .db import NbApi

DROP_PRIORITY, RULE_PRIORITY = 1001, 1002


def match(group: str, rule: Rule) -> str:
    """The ACL match of one rule of `group`."""
    port = "outport" if rule.direction == "ingress" else "inport"
    ip = "ip6" if rule.ethertype == "IPv6" else "ip4"
    remote = f"{ip}.src" if rule.direction == "ingress" else f"{ip}.dst"
    parts = [f"{port} == @{names.port_group(group)}", ip]
    if rule.remote_prefix is not None:
        parts.append(f"{remote} == {rule.remote_prefix}")
    if rule.remote_group is not None:
        parts.append(f"{remote} == ${names.port_group(rule.remote_group)}_{ip}")
    if rule.protocol == "icmp":
        parts.append("icmp6" if ip == "ip6" else "icmp4")
    elif rule.protocol is not None:
        parts.append(rule.protocol)
        if rule.port_range is not None:
            low, high = rule.port_range
            parts.append(f"{rule.protocol}.dst == {low}" if low == high else
                         f"{rule.protocol}.dst >= {low} && {rule.protocol}.dst <= {high}")
    return " && ".join(parts)


def direction(rule: Rule) -> str:
    return "to-lport" if rule.direction == "ingress" else "from-lport"


def build(nb: NbApi, sc: Scenario) -> None:
    """Port groups, their members and ACLs for the scenario's security groups."""
    members = {g: [v for v, vm in sc.vms.items() if g in vm.security_groups]
               for g in sc.security_groups}
    guarded = [v for v, vm in sc.vms.items() if vm.security_groups]
    if not guarded and sc.settings.naming != "neutron":
        return  # (Neutron makes its drop group at start, empty or not)
    with nb.transaction(check_error=True) as txn:
        drop = names.DROP_PORT_GROUP
        txn.add(nb.pg_add(drop, may_exist=True))
        for group in sc.security_groups:
            txn.add(nb.pg_add(names.port_group(group), may_exist=True))
    # pg_add_ports takes port rows or UUIDs (a bare name is silently ignored)
    uuid = {v: nb.lsp_get(sc.lsp(v)).execute(check_error=True).uuid for v in guarded}
    with nb.transaction(check_error=True) as txn:
        if guarded:
            txn.add(nb.pg_add_ports(drop, [uuid[v] for v in guarded]))
        for group, ports in members.items():
            if ports:
                txn.add(nb.pg_add_ports(names.port_group(group), [uuid[v] for v in ports]))
        txn.add(nb.pg_acl_add(drop, "from-lport", DROP_PRIORITY, f"inport == @{drop} && ip",
                              "drop"))
        txn.add(nb.pg_acl_add(drop, "to-lport", DROP_PRIORITY, f"outport == @{drop} && ip",
                              "drop"))
    for group, sg in sc.security_groups.items():
        for i in range(len(sg.rules)):
            add_rule(nb, sc, group, i)


def add_rule(nb: NbApi, sc: Scenario, group: str, index: int) -> None:
    """Put one rule's ACL (back) on a running testbed."""
    rule = sc.security_groups[group].rules[index]
    acl = nb.pg_acl_add(names.port_group(group), direction(rule), RULE_PRIORITY,
                        match(group, rule), "allow-related", may_exist=True,
                        **{names.RULE_ID: names.rule_id(group, index)}).execute(check_error=True)
    if rule.persist_established:  # the command returns a UUID, or the row when it existed
        nb.db_set("ACL", getattr(acl, "uuid", acl),
                  ("options", {"persist-established": "true"})).execute(check_error=True)


def acls_of(nb: NbApi, group: str, index: int) -> list:
    rid = names.rule_id(group, index)
    found = [a for a in list(nb.tables["ACL"].rows.values())
             if a.external_ids.get(names.RULE_ID) == rid]
    if not found:
        raise KeyError(f"no ACL implements rule {rid}")
    return found


def set_match(nb: NbApi, group: str, index: int, new_match: str) -> None:
    """Change what one rule's ACL matches on a running testbed (a rule edited in place)."""
    with nb.transaction(check_error=True) as txn:
        for acl in acls_of(nb, group, index):
            txn.add(nb.db_set("ACL", acl.uuid, ("match", new_match)))


def remove_rule(nb: NbApi, group: str, index: int) -> None:
    """Take one rule's ACL away on a running testbed (established connections: as OVN does)."""
    with nb.transaction(check_error=True) as txn:
        for acl in acls_of(nb, group, index):
            txn.add(nb.db_remove("Port_Group", names.port_group(group), "acls", acl.uuid))
