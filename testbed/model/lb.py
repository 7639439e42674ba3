"""Load balancers as the scenario writes them, and the checks that refuse what OVN could not
use (pure: no I/O). OVN's Load_Balancer: a VIP and port, backends, the routers and switches it
is attached to; a health check needs, per backend, the logical port it is reached on and a
source address for OVN's service monitor (ip_port_mappings).

    load_balancers:
      web:
        vip: 10.10.0.100
        port: 80
        backends: [vm4, "vm6:8080", "10.11.0.13:80"]   # a VM or an address, :port optional
        routers: [R1]
        switches: [A, B]
        health_check: {interval: 1, timeout: 1, success_count: 1, failure_count: 2,
                       sources: {A: 10.11.0.250, B: 10.10.0.250}}
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field

from .problem import Problem
from .types import Ip, LogicalName, Strict

Port = Annotated[int, Field(ge=1, le=65535, strict=True)]
SelectionField = Literal["eth_src", "eth_dst", "ip_src", "ip_dst", "tp_src", "tp_dst"]


class HealthCheck(Strict):
    """OVN's service monitor (Load_Balancer_Health_Check): ovn-controller on each backend's
    chassis probes it every `interval` s; `failure_count` misses take it out of the pool,
    `success_count` answers put it back."""

    interval: Annotated[int, Field(ge=1, le=3600, strict=True)] = 5
    timeout: Annotated[int, Field(ge=1, le=3600, strict=True)] = 20
    success_count: Annotated[int, Field(ge=1, le=100, strict=True)] = 3
    failure_count: Annotated[int, Field(ge=1, le=100, strict=True)] = 3
    sources: dict[LogicalName, Ip] = {}
    """switch -> the source address of the monitor's probes to the backends on it (an unused
    address of that switch's subnet, as Octavia's health-monitor port has)"""


class LoadBalancer(Strict):
    vip: Ip
    port: Port
    protocol: Literal["tcp", "udp"] = "tcp"
    backends: list[str] = Field(min_length=1)
    """each a VM's name or an address, with `:port` when it differs from the VIP's"""
    routers: list[LogicalName] = []
    switches: list[LogicalName] = []
    selection_fields: list[SelectionField] = []
    """what picks the backend (OVN hashes the 5-tuple by default)"""
    health_check: HealthCheck | None = None

    def backend(self, entry: str) -> tuple[str, int]:
        """(name or address, port) of one backend entry."""
        host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        return (host, int(port)) if port.isdigit() else (entry, self.port)


def backend_ip(sc, lb: LoadBalancer, entry: str) -> str | None:
    """A backend's address (a VM's, or the entry itself when it is one)."""
    host, _ = lb.backend(entry)
    if host in sc.vms:
        return sc.vms[host].ip
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _attached_subnets(sc, lb: LoadBalancer) -> dict[str, str]:
    """switch -> its subnet, for every network the load balancer reaches."""
    names = set(lb.switches)
    for r in lb.routers:
        names |= {p.switch for p in sc.routers[r].ports} if r in sc.routers else set()
    return {n: sc.switches[n].cidr for n in names if n in sc.switches}


def switch_of(sc, ip: str) -> str | None:
    return next((n for n, sw in sc.switches.items()
                 if ipaddress.ip_address(ip) in ipaddress.ip_network(sw.cidr)), None)


def check_load_balancers(sc) -> list[Problem]:
    out: list[Problem] = []
    taken = {vm.ip: f"vms.{v}" for v, vm in sc.vms.items()}
    taken |= {p.ip: f"router {r}'s port on {p.switch}" for r, rt in sc.routers.items()
              for p in rt.ports}
    for name, lb in sc.load_balancers.items():
        field = f"load_balancers.{name}"
        out += [Problem(f"{field}.routers", f"no router {r}", f"use one of "
                        f"{', '.join(sc.routers) or '(none)'}") for r in lb.routers
                if r not in sc.routers]
        out += [Problem(f"{field}.switches", f"no switch {s}", f"use one of "
                        f"{', '.join(sc.switches)}") for s in lb.switches if s not in sc.switches]
        if not lb.routers and not lb.switches:
            out.append(Problem(field, "attached to no router and no switch: no packet would "
                               "meet it", "add routers: [...] or switches: [...]"))
        if lb.vip in taken:
            out.append(Problem(f"{field}.vip", f"{lb.vip} is already {taken[lb.vip]}'s address",
                               "pick an unused address for the VIP"))
        subnets = _attached_subnets(sc, lb)
        for i, entry in enumerate(lb.backends):
            ip = backend_ip(sc, lb, entry)
            if ip is None:
                out.append(Problem(f"{field}.backends.{i}", f"'{entry}' is neither a VM nor an "
                                   "address", f"name a VM ({', '.join(sorted(sc.vms))}) or write "
                                   "an address, like 10.10.0.14:8080"))
            elif not 1 <= lb.backend(entry)[1] <= 65535:
                out.append(Problem(f"{field}.backends.{i}", f"'{entry}' has no port in 1-65535",
                                   "write the backend's port, like vm4:8080, or leave it out"))
            elif ipaddress.ip_address(ip).version != ipaddress.ip_address(lb.vip).version:
                out.append(Problem(f"{field}.backends.{i}", f"{ip} and the VIP {lb.vip} are of "
                                   "different families", "give the VIP backends of its family"))
            elif not any(ipaddress.ip_address(ip) in ipaddress.ip_network(c)
                         for c in subnets.values()):
                out.append(Problem(f"{field}.backends.{i}", f"{ip} is inside no network the load "
                                   f"balancer is attached to ({', '.join(subnets) or 'none'})",
                                   "attach it to the backend's switch or to a router with a "
                                   "port there"))
        out += _health(sc, lb, field)
    return out


def _health(sc, lb: LoadBalancer, field: str) -> list[Problem]:
    hc = lb.health_check
    if hc is None:
        return []
    out = []
    for i, entry in enumerate(lb.backends):
        ip = backend_ip(sc, lb, entry)
        host, _ = lb.backend(entry)
        sw = switch_of(sc, ip) if ip else None
        if ip and host not in sc.vms:
            out.append(Problem(f"{field}.backends.{i}", f"a health check needs each backend's "
                               f"logical port, and {entry} is no VM of the scenario",
                               "name the backend VM instead of its address"))
        elif sw and sw not in hc.sources:
            out.append(Problem(f"{field}.health_check.sources", f"no source address on switch "
                               f"{sw} for the service monitor's probes to {entry}",
                               f"add {sw}: <an unused address of {sc.switches[sw].cidr}>"))
    used = {vm.ip for vm in sc.vms.values()} | {p.ip for r in sc.routers.values()
                                                for p in r.ports} | {lb.vip}
    for sw, ip in hc.sources.items():
        if sw not in sc.switches:
            out.append(Problem(f"{field}.health_check.sources", f"no switch {sw}",
                               f"use one of {', '.join(sc.switches)}"))
        elif ipaddress.ip_address(ip) not in ipaddress.ip_network(sc.switches[sw].cidr):
            out.append(Problem(f"{field}.health_check.sources.{sw}", f"{ip} is outside {sw}'s "
                               f"subnet {sc.switches[sw].cidr}", "pick an unused address of it"))
        elif ip in used:
            out.append(Problem(f"{field}.health_check.sources.{sw}", f"{ip} is in use",
                               "pick an address no port, VM or VIP has"))
    return out
