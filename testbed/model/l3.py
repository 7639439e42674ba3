"""What routers and switches serve, as pure data: static routes, DHCP, NAT entries, security
group rules (checked across the scenario in services.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .types import Cidr, Ip, LogicalName, Mac, Name, Strict


class Route(Strict):
    """A static route: `to` a prefix `via` a next hop (external hosts, logical routers)."""

    to: Cidr
    via: Ip

class Dhcp(Strict):
    """OVN's native DHCP for a switch's subnet (a DHCP_Options row): the router port is the
    server (its MAC and IP), the default gateway and the lease's options."""

    lease_time: Annotated[int, Field(ge=60, le=2**31 - 1)] = 43200
    mtu: Annotated[int, Field(ge=576, le=9000)] | None = None
    dns_server: Ip | None = None

class Nat(Strict):
    """A NAT entry of a router (NB NAT): `snat` hides a subnet behind `external_ip`;
    `dnat_and_snat` is a floating IP for one address, distributed when it names the VM's
    `logical_port` and an `external_mac` (the VM's chassis answers for it), else centralised on
    the active gateway chassis."""

    type: Literal["snat", "dnat_and_snat"]
    logical_ip: str
    """snat: a subnet in CIDR form (or one address); dnat_and_snat: the VM's address."""
    external_ip: Ip | None = None
    """snat: the gateway port's IP when absent; dnat_and_snat: the floating IP (required)."""
    logical_port: Name | None = None
    external_mac: Mac | None = None
    stateless: bool = False
    """dnat_and_snat only: translate without conntrack (NAT options:stateless), both ways"""
    gateway_port: LogicalName | None = None
    """the switch of the distributed gateway port it applies on (NAT gateway_port): required
    when the router has several"""

class Rule(Strict):
    """One security group rule in Neutron's terms: traffic it allows, statefully."""

    direction: Literal["ingress", "egress"]
    ethertype: Literal["IPv4", "IPv6"] = "IPv4"
    """the address family it allows, as Neutron names it (`icmp` is ICMPv6 under IPv6)"""
    protocol: Literal["icmp", "tcp", "udp"] | None = None
    """None: any IP protocol"""
    port_range: tuple[Annotated[int, Field(ge=1, le=65535, strict=True)],
                      Annotated[int, Field(ge=1, le=65535, strict=True)]] | None = None
    """[min, max] destination ports, tcp or udp only"""
    remote_prefix: Cidr | None = None
    remote_group: LogicalName | None = None
    persist_established: bool = False
    """OVN's ACL option persist-established: connections this rule allowed stay allowed when
    the rule is later edited so that it no longer matches them (by default OVN re-checks them
    against the ACLs and drops them)."""

class SecurityGroup(Strict):
    rules: list[Rule] = []
