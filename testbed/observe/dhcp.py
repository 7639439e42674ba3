"""A DHCP lease as a VM's client got it, and who answered.

    lease = tb.host("vm1").dhcp()
    lease.ip, lease.router, lease.mtu, lease.lease_time, lease.server_mac

The client is busybox's udhcpc with the node image's event script, which applies the lease with
ip(8) and writes it to /run/dhcp-lease (key=value, udhcpc's variable names). The server's MAC
comes from the DHCP answers captured on the VM's NIC while the client ran.
"""

from __future__ import annotations

from dataclasses import dataclass

LEASE_FILE = "/run/dhcp-lease"


@dataclass(frozen=True)
class Lease:
    interface: str
    ip: str
    prefix: int
    router: str | None
    mtu: int | None
    lease_time: int
    server_id: str
    server_mac: str | None = None  # from the captured answer (DHCPOFFER/ACK)


def prefix_of(mask: str) -> int:
    if mask.isdigit():
        return int(mask)
    return sum(bin(int(octet)).count("1") for octet in mask.split("."))


def parse(text: str, server_mac: str | None = None) -> Lease:
    """/run/dhcp-lease (key=value lines) -> Lease."""
    env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if "ip" not in env:
        raise ValueError(f"no lease in {LEASE_FILE}: {text!r}")
    return Lease(env.get("interface", ""), env["ip"], prefix_of(env.get("mask") or
                                                                  env.get("subnet", "32")),
                 env.get("router", "").split()[0] if env.get("router") else None,
                 int(env["mtu"]) if env.get("mtu") else None, int(env.get("lease", "0")),
                 env.get("serverid", ""), server_mac)


def client_argv(interface: str, tries: int = 5) -> list[str]:
    """One lease, then exit (-q), failing after `tries` discovers 1 s apart (-n)."""
    return ["busybox", "udhcpc", "-i", interface, "-f", "-q", "-n", "-t", str(tries), "-T", "1",
            "-s", "/usr/local/bin/udhcpc-script"]
