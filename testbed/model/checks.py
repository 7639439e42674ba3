"""Checks declared in the scenario file: paths that must hold, run by `testbed check` (and
`testbed up --check`) on a running testbed (testbed/checks.py runs them).

    checks:
      - {walk: vm1 -> vm4, expect: {routed_by: compute-a, overlay: false, tor_vlan: 2010,
                                    src_mac: R1-B}}
      - {walk: vm1 -> ext, proto: tcp, port: 22, expect: derived}   # as tb.expect predicts
      - {reach: {from: [vm1, vm3], to: [vm4, ext], expect: true}}
      - {flows: [vm1 -> vm4, vm6 -> vm3], seconds: 2, expect: {mac_moves: 0}}  # testbed flap
      - {failover: R1, fault: kill, target: ovs-vswitchd, expect: {gap_below_s: 2}}
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
    """the whole walk as tb.expect predicts it (`expect: derived` in the file; with fields
    beside it, `{derived: true, translated_on: gw1}`, those are held too)"""


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
            f" {self.proto}/{self.port}" if self.port else "") + (" (IPv6)" if self.ipv6 else "")


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


class FlowsExpect(Strict):
    mac_moves: Annotated[int, Field(ge=0)] | None = 0
    """at most this many MAC moves counted by the ToR while the flows run"""
    loss_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    """at most this much loss on every flow"""


class FlowsCheck(Strict):
    """Concurrent flows, as `testbed flap` runs them, held to what the ToR may see."""

    flows: Annotated[list[str], Field(min_length=1, max_length=8)]
    """`SOURCE -> DESTINATION` pairs of VMs"""
    expect: FlowsExpect = FlowsExpect()
    seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    rate: Annotated[float, Field(gt=0, le=100)] = 20
    """packets per second on each flow"""
    ipv6: bool = False
    name: str | None = None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(m.group(1), m.group(2)) if (m := WALK_RE.match(f)) else ("", "")
                for f in self.flows]

    @property
    def title(self) -> str:
        return self.name or f"flows {', '.join(f.strip() for f in self.flows)}"


class FailoverExpect(Strict):
    gap_below_s: Annotated[float, Field(gt=0, le=60)] = 5.0
    """traffic's longest silence on failover and on failback, each"""
    to: Name | None = None
    """the chassis the gateway port moves to"""


# the faults that take an active gateway down and are undone again (faults/kinds.py registers
# them; a unit test holds this list to the registry)
FAILOVER_FAULTS = ("kill", "stop", "pause", "cut", "drop-bfd")


class FailoverCheck(Strict):
    """A gateway failover and failback under traffic, as `testbed failover` runs it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    failover: str
    """the router whose gateway port fails over"""
    fault: Literal[FAILOVER_FAULTS] = "kill"
    target: str = "ovs-vswitchd"
    """the fault's target: a daemon (kill), an interface (cut: overlay, uplink)"""
    from_: Name = Field("vm1", alias="from")
    to: Name | None = None
    """the host traffic goes to: the first external host when left out"""
    ipv6: bool = False
    expect: FailoverExpect = FailoverExpect()
    name: str | None = None

    @property
    def title(self) -> str:
        return self.name or f"failover {self.failover} ({self.fault} {self.target})".replace(
            " )", ")")


KINDS = {"walk": "walk-check", "reach": "reach-check", "flows": "flows-check",
         "failover": "failover-check"}


def _kind(value) -> str | None:
    if isinstance(value, dict):
        return next((tag for key, tag in KINDS.items() if key in value), None)
    return {WalkCheck: "walk-check", ReachCheck: "reach-check", FlowsCheck: "flows-check",
            FailoverCheck: "failover-check"}.get(type(value))


Check = Annotated[Annotated[WalkCheck, Tag("walk-check")] |
                  Annotated[ReachCheck, Tag("reach-check")] |
                  Annotated[FlowsCheck, Tag("flows-check")] |
                  Annotated[FailoverCheck, Tag("failover-check")],
                  Discriminator(_kind, custom_error_type="check_kind",
                                custom_error_message="a check is a walk:, reach:, flows: or "
                                "failover: entry")]


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
        if isinstance(check, FlowsCheck):
            out += _flows_problems(sc, field, check)
            continue
        if isinstance(check, FailoverCheck):
            out += _failover_problems(sc, field, check, hosts)
            continue
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


def _flows_problems(sc, field: str, check: FlowsCheck) -> list[Problem]:
    out = []
    for j, (flow, (a, b)) in enumerate(zip(check.flows, check.pairs, strict=True)):
        if not a:
            out.append(Problem(f"{field}.flows.{j}", f"{flow!r} is not SOURCE -> DESTINATION",
                               "write it as `vm1 -> vm4`"))
        out += [Problem(f"{field}.flows.{j}", f"'{n}' is no VM (flows run between VMs)",
                        f"use one of {', '.join(sorted(sc.vms))}")
                for n in (a, b) if n and n not in sc.vms]
        if check.ipv6:
            out += [Problem(f"{field}.flows.{j}", f"'{n}' has no IPv6 address for an IPv6 flow",
                            "give its switch an IPv6 subnet, or drop ipv6: true")
                    for n in (a, b) if n in sc.vms and not sc.vms[n].ip6]
    return out


def _failover_problems(sc, field: str, check: FailoverCheck, hosts: set[str]) -> list[Problem]:
    router = sc.routers.get(check.failover)
    with_port = sorted(r for r, rt in sc.routers.items() if rt.gateway_port)
    if router is None or router.gateway_port is None:
        what = "is no router" if router is None else "has no gateway port to fail over"
        return [Problem(f"{field}.failover", f"'{check.failover}' {what}",
                        f"use one of {', '.join(with_port) or '(none: no gateway port here)'}")]
    out = []
    chassis = router.gateway_port.gateway_chassis
    if len(chassis) < 2:
        out.append(Problem(f"{field}.failover", f"{check.failover}'s gateway port has one "
                           "gateway chassis: nothing to fail over to",
                           "give its gateway port a second gateway chassis"))
    if check.expect.to is not None and check.expect.to not in chassis:
        out.append(Problem(f"{field}.expect.to", f"'{check.expect.to}' is none of "
                           f"{check.failover}'s gateway chassis",
                           f"use one of {', '.join(sorted(chassis))}"))
    if check.from_ not in sc.vms:
        out.append(Problem(f"{field}.from", f"'{check.from_}' is no VM",
                           f"use one of {', '.join(sorted(sc.vms))}"))
    externals = sorted(n for n, node in sc.nodes.items() if node.role.value == "external")
    if check.to is not None and check.to not in externals:
        out.append(Problem(f"{field}.to", f"'{check.to}' is no external host",
                           f"use one of {', '.join(externals) or '(none)'}"))
    if check.to is None and not externals:
        out.append(Problem(f"{field}.to", "the scenario has no external host to send to",
                           "add an external node"))
    return out
