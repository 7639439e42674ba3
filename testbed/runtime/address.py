"""A node's address on one of the testbed's networks, as every runtime gives it: callers read
typed fields, never an engine's inspect dict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NetAddress:
    ip: str
    prefix: int
    mac: str

    @property
    def cidr(self) -> str:
        return f"{self.ip}/{self.prefix}"


def nets_env(addresses: dict[str, tuple[str, str]]) -> str:
    """network -> (cidr, mac) as one environment value: mgmt=100.64.0.2/16@02:..;overlay=..."""
    return ";".join(f"{net}={cidr}@{mac}" for net, (cidr, mac) in addresses.items())


def parse_nets(value: str) -> dict[str, dict]:
    out = {}
    for item in filter(None, value.split(";")):
        net, rest = item.split("=", 1)
        cidr, mac = rest.split("@")
        ip, prefix = cidr.split("/")
        out[net] = {"IPAddress": ip, "IPPrefixLen": int(prefix), "MacAddress": mac}
    return out


def address_on(node: str, nets: dict[str, dict], key: str) -> NetAddress:
    """A node's address on network `key`, from its parsed networks (parse_nets)."""
    if key not in nets:
        raise KeyError(f"{node} is not on the {key} network")
    net = nets[key]
    return NetAddress(net["IPAddress"], net["IPPrefixLen"], net["MacAddress"])
