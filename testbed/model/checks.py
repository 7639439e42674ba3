"""Checks declared in the scenario file: paths that must hold, run by `testbed check` (and
`testbed up --check`) on a running testbed (testbed/checks.py runs them).

    checks:
      - {walk: vm1 -> vm4, expect: {routed_by: compute-a, overlay: false, tor_vlan: 2010,
                                    src_mac: R1-B}}
      - {walk: vm1 -> ext, proto: tcp, port: 22, expect: derived}   # as tb.expect predicts
      - {reach: {from: [vm1, vm3], to: [vm4, ext], expect: true}}
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator

from .problem import Problem
from .types import Name, Strict, Vlan

WALK_RE = re.compile(r"^\s*(\S+)\s*->\s*(\S+)\s*$")


class Expect(Strict):
    """What a walk must show; a field left out is not checked."""

    delivered: bool | None = None
    path: list[Name] | None = None
    routed_by: Name | None = None
    overlay: bool | None = None
    """whether the request crossed the overlay (a tunnel between chassis)"""
    tor_vlan: Vlan | None = None
    """a VLAN the request crossed the ToR in"""
    src_mac: str | None = None
    """the routed request's source MAC where it entered the ToR: a MAC, or a router port's name
    (R1-B, as `testbed nbctl show` names it under plain naming)"""
    dropped_at: Name | None = None
    """the node the request was last seen at, undelivered"""
    translated_on: Name | None = None
    """the node where its addresses were rewritten (NAT)"""
    derived: bool = False
    """the whole walk as tb.expect predicts it (`expect: derived` in the file)"""


class WalkCheck(Strict):
    walk: str
    """`SOURCE -> DESTINATION`: hosts (VMs, external hosts) or a load balancer's name"""
    expect: Expect
    """the fields to hold, or `derived`: the whole walk as tb.expect predicts it"""
    name: str | None = None
    proto: Literal["icmp", "tcp", "udp"] = "icmp"
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    ipv6: bool = False
    retries: Annotated[int, Field(ge=0, le=10)] = 0
    """walks again this many times while it does not hold"""
    wait_s: Annotated[float, Field(ge=0, le=60)] = 1.0
    """seconds between those walks"""

    @model_validator(mode="before")
    @classmethod
    def _derived(cls, data):
        if isinstance(data, dict) and data.get("expect") == "derived":
            return {**data, "expect": {"derived": True}}
        if isinstance(data, dict) and isinstance(data.get("expect"), str):
            raise ValueError(f"expect: {data['expect']!r} is neither `derived` nor the fields to "
                             "hold, e.g. {routed_by: compute-a, tor_vlan: 2010}")
        return data

    @property
    def ends(self) -> tuple[str, str]:
        found = WALK_RE.match(self.walk)
        return (found.group(1), found.group(2)) if found else ("", "")

    @property
    def title(self) -> str:
        return self.name or f"walk {self.walk.strip()}" + (
            f" {self.proto}/{self.port}" if self.port else "")


class Reach(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: list[Name] = Field(alias="from")
    to: list[Name]
    expect: bool = True


class ReachCheck(Strict):
    reach: Reach
    name: str | None = None

    @property
    def title(self) -> str:
        r = self.reach
        return self.name or (f"reach {','.join(r.from_)} -> {','.join(r.to)}: "
                             f"{'yes' if r.expect else 'no'}")


def _kind(value) -> str | None:
    if isinstance(value, dict):
        return "walk-check" if "walk" in value else "reach-check" if "reach" in value else None
    return "walk-check" if isinstance(value, WalkCheck) else "reach-check"


Check = Annotated[Annotated[WalkCheck, Tag("walk-check")] |
                  Annotated[ReachCheck, Tag("reach-check")],
                  Discriminator(_kind, custom_error_type="check_kind",
                                custom_error_message="a check is a walk: or a reach: entry")]


def check_checks(sc) -> list[Problem]:
    """Ends that exist, nodes that exist, router ports the scenario has (a VLAN is not
    checked here: a wrong one fails the check when it runs, naming what was crossed)."""
    out: list[Problem] = []
    hosts = {*sc.vms, *(n for n, node in sc.nodes.items() if node.role.value == "external"),
             *sc.load_balancers}
    port_names = {sc.router_port_name(r, p) for r, router in sc.routers.items()
                  for p in router.ports}
    for i, check in enumerate(sc.checks):
        field = f"checks.{i}"
        if isinstance(check, ReachCheck):
            for key, names in (("from", check.reach.from_), ("to", check.reach.to)):
                out += [Problem(f"{field}.reach.{key}", f"'{n}' is no host",
                                f"use one of {', '.join(sorted(hosts))}")
                        for n in names if n not in hosts]
            continue
        ends = check.ends
        if not ends[0]:
            out.append(Problem(f"{field}.walk", f"{check.walk!r} is not SOURCE -> DESTINATION",
                               "write it as `vm1 -> vm4`"))
        out += [Problem(f"{field}.walk", f"'{n}' is no host", f"use one of "
                        f"{', '.join(sorted(hosts))}") for n in ends if n and n not in hosts]
        if check.proto != "icmp" and check.port is None:
            out.append(Problem(f"{field}.port", f"a {check.proto} walk needs a port",
                               "add port: <1-65535>"))
        if not check.expect.derived:
            out += _expect_problems(sc, f"{field}.expect", check.expect, port_names)
    return out


def _expect_problems(sc, field: str, e: Expect, port_names: set[str]) -> list[Problem]:
    out = []
    nodes = {*sc.nodes, *sc.vms}
    for key in ("routed_by", "dropped_at", "translated_on"):
        value = getattr(e, key)
        if value is not None and value not in nodes:
            out.append(Problem(f"{field}.{key}", f"'{value}' is no node",
                               f"use one of {', '.join(sorted(sc.nodes))}"))
    mac = re.fullmatch(r"([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", e.src_mac or "")
    if e.src_mac is not None and not mac and e.src_mac not in port_names:
        out.append(Problem(f"{field}.src_mac", f"'{e.src_mac}' is neither a MAC nor a router "
                           "port", f"use a MAC or one of {', '.join(sorted(port_names))}"))
    return out
