"""The scenario file's value types: names, addresses, MACs, VLANs, each checked with a clear
message; and the strict base model (unknown keys are errors)."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

NAME_RE = r"^[a-z][a-z0-9-]*$"
_MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def _mac(value: str) -> str:
    value = value.lower()
    if not _MAC_RE.match(value):
        raise ValueError(f"'{value}' is not a MAC address; write six hex pairs, like fa:16:3e:16:07:92")
    if int(value[:2], 16) & 1:
        raise ValueError(f"'{value}' is a multicast MAC; the first octet must be even")
    return value


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a network in CIDR form, like 10.11.0.0/24 ({exc})") from None


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"'{value}' is not an IP address, like 10.11.0.11") from None


def _interface(value: str) -> str:
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError(f"'{value}' is not an address with prefix, like 203.0.113.1/24") from None
    if "/" not in value:
        raise ValueError(f"'{value}' has no prefix length; write it like 203.0.113.1/24")
    return value


Mac = Annotated[str, AfterValidator(_mac)]
Cidr = Annotated[str, AfterValidator(_cidr)]
Ip = Annotated[str, AfterValidator(_ip)]
IpInterface = Annotated[str, AfterValidator(_interface)]
Name = Annotated[str, Field(pattern=NAME_RE, max_length=40)]
"""a node or VM name: it becomes a hostname, part of container names and of interface names
(shortened with a hash where Linux's 15 characters are too few: testbed.names.ifname)."""
LogicalName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)]
Vlan = Annotated[int, Field(ge=1, le=4094, strict=True)]
"""strict: YAML's `true` is not VLAN 1"""
Mtu = Annotated[int, Field(ge=576, le=9216, strict=True)]
"""an interface's MTU in bytes: IPv4's smallest to common jumbo frames"""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
