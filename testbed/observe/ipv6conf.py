"""What a VM configured for itself over IPv6, read inside it, and the router advertisement and
DHCPv6 answers that configured it, read off its NIC.

    got = tb.host("vm1").autoconf6("slaac")
    got.addresses, got.router, got.dns, got.ra.managed, got.ra.prefixes, got.dhcp_server_mac

The VM's kernel takes the router advertisement (accept_ra, SLAAC with autoconf); DHCPv6 is
busybox's udhcpc6 with the node image's event script, which puts the address on the NIC as a
/128 and writes the lease to /run/dhcp6-lease (key=value, udhcpc6's variable names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LEASE_FILE = "/run/dhcp6-lease"
SCRIPT = "/usr/local/bin/udhcpc6-script"
DHCPV6_SERVER_PORT = 547


@dataclass(frozen=True)
class Advert:
    """A router advertisement as the VM received it."""

    source_mac: str
    source_ip: str
    managed: bool  # M: addresses from DHCPv6
    other: bool  # O: other configuration (DNS) from DHCPv6
    router_lifetime: int
    hop_limit: int  # Cur Hop Limit: what the host sends with (0: unspecified)
    prefixes: tuple[tuple[str, bool], ...]  # (prefix/len, autonomous flag)
    mtu: int | None = None
    rdnss: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ipv6Config:
    interface: str
    mode: str
    addresses: tuple[str, ...]  # global addresses with their prefix length
    router: str | None  # the default route's next hop (the router's link-local address)
    dns: tuple[str, ...] = ()  # from DHCPv6, or the advertisement's RDNSS under slaac
    ra: Advert | None = None
    dhcp_server_mac: str | None = None
    lease: dict[str, str] = field(default_factory=dict)

    def has(self, ip: str) -> bool:
        return any(a.split("/")[0] == ip for a in self.addresses)


def client_argv(interface: str, stateless: bool, tries: int = 5) -> list[str]:
    """One DHCPv6 exchange, then exit (-q), failing after `tries` solicits 1 s apart (-n);
    `stateless`: an information request (-l), no address."""
    return ["busybox", "udhcpc6", "-i", interface, "-f", "-q", "-n", "-t", str(tries), "-T", "1",
            "-O", "dns", *(["-l"] if stateless else []), "-s", SCRIPT]


def sysctls(interface: str, autoconf: bool) -> dict[str, str]:
    """The NIC takes router advertisements (and forms an address from them with `autoconf`),
    and solicits one at once, again every second until answered."""
    base = f"net.ipv6.conf.{interface}"
    return {f"{base}.accept_ra": "1", f"{base}.autoconf": "1" if autoconf else "0",
            f"{base}.accept_ra_defrtr": "1", f"{base}.router_solicitation_delay": "0",
            f"{base}.router_solicitation_interval": "1",
            f"{base}.router_solicitation_max_interval": "1"}


def global_addresses(ip_json: str) -> tuple[str, ...]:
    """`ip -j -6 addr show dev X scope global` -> ("addr/len", ...), not tentative ones."""
    out = []
    for link in json.loads(ip_json or "[]"):
        for a in link.get("addr_info", []):
            if a.get("scope") == "global" and not a.get("tentative"):
                out.append(f"{a['local']}/{a['prefixlen']}")
    return tuple(out)


def default_router(route_json: str) -> str | None:
    """`ip -j -6 route show default` -> the next hop, if any."""
    routes = json.loads(route_json or "[]")
    return next((r["gateway"] for r in routes if r.get("gateway")), None)


def parse_lease(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def advert(raw: bytes) -> Advert | None:
    """A captured frame -> the router advertisement in it, if it is one."""
    from scapy.layers.inet6 import (
        ICMPv6ND_RA,
        ICMPv6NDOptMTU,
        ICMPv6NDOptPrefixInfo,
        ICMPv6NDOptRDNSS,
        IPv6,
    )
    from scapy.layers.l2 import Ether

    pkt = Ether(raw)
    if ICMPv6ND_RA not in pkt:
        return None
    ra = pkt[ICMPv6ND_RA]
    prefixes, rdnss, mtu = [], [], None
    opt = ra.payload
    while opt and not isinstance(opt, bytes) and opt.__class__.__name__ != "NoPayload":
        if isinstance(opt, ICMPv6NDOptPrefixInfo):
            prefixes.append((f"{opt.prefix}/{opt.prefixlen}", bool(opt.A)))
        elif isinstance(opt, ICMPv6NDOptRDNSS):
            rdnss += list(opt.dns)
        elif isinstance(opt, ICMPv6NDOptMTU):
            mtu = opt.mtu
        opt = opt.payload
    return Advert(pkt.src, pkt[IPv6].src, bool(ra.M), bool(ra.O), ra.routerlifetime,
                  ra.chlim, tuple(prefixes), mtu, tuple(rdnss))
