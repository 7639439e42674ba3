"""Veth links between containers, made from the host with pyroute2 (needs CAP_NET_ADMIN there).

One netlink request creates a pair with each end already in its container's namespace, under
its final name and MAC (given, or derived: names.link_mac), so nothing of a testbed ever sits
in the host namespace and a link costs no namespace round trip. The first end comes up at
once; the kernel leaves the peer down, so peers are raised in one pass per namespace
(raise_pending), in parallel. Links of older versions made in the host namespace carry the
alias `ovn-testbed:<name>`; leftovers() still finds them.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import socket
import threading
from dataclasses import dataclass

from pyroute2 import IPRoute

from . import names
from .links import Endpoint, Link, veth_name
from .parallel import each

ALIAS_PREFIX = "ovn-testbed:"
VXLAN_PORT = 4799
"""UDP port of the VXLAN links: none a capture decodes as an overlay's (4789, 4790, 6081, 6633,
8472), so a trunk's tunnel is not mistaken for OVN's."""
VXLAN_OVERHEAD = 50



@dataclass(frozen=True)
class End:
    """One end of a veth to make: a node, its network namespace (the file a runtime gives as
    `node.netns`), the interface name."""

    node: str
    netns: str
    ifname: str
    mac: str | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.node, self.ifname)


def tag(testbed: str) -> str:
    return "ot" + hashlib.sha1(testbed.encode()).hexdigest()[:6]


class Wiring:
    def __init__(self, testbed: str):
        self.testbed = testbed
        self.alias = ALIAS_PREFIX + testbed
        self._pending: dict[str, list[str]] = {}  # namespace -> peer ends still down
        self._lock = threading.Lock()

    def link(self, a: End, b: End, defer: bool = False, mtu: int | None = None) -> Link:
        """Create a veth pair a <-> b in their namespaces and return it as a Link; both ends
        are up on return, or, with `defer`, b comes up in the next raise_pending(). `mtu`: both
        ends' MTU (the kernel's 1500 when None)."""
        sized = {"mtu": mtu} if mtu is not None else {}
        mac_a = (a.mac or names.link_mac(self.testbed, a.node, a.ifname)).lower()
        mac_b = (b.mac or names.link_mac(self.testbed, b.node, b.ifname)).lower()
        fd_a, fd_b = os.open(a.netns, os.O_RDONLY), os.open(b.netns, os.O_RDONLY)
        try:
            with IPRoute() as ipr:
                ipr.link("add", ifname=a.ifname, kind="veth", net_ns_fd=fd_a, address=mac_a,
                         state="up", **sized, peer={"ifname": b.ifname, "net_ns_fd": fd_b,
                                                    "address": mac_b, **sized})
        finally:
            os.close(fd_a)
            os.close(fd_b)
        with self._lock:
            self._pending.setdefault(b.netns, []).append(b.ifname)
        if not defer:
            self.raise_pending()
        return Link(veth_name(a.endpoint, b.endpoint), "veth", (a.endpoint, b.endpoint),
                    macs=(mac_a, mac_b), mtu=mtu)

    def vxlan(self, a: End, b: End, ips: tuple[str, str], vni: int, mtu: int | None) -> Link:
        """A point-to-point VXLAN tunnel standing in for a wire: a vxlan device at each end,
        each sending to the other's address (`ips`: a's, b's) on UDP VXLAN_PORT; up on return.
        `mtu`: both ends' (when None, the underlay's 1500 less VXLAN's 50 bytes: tunnel packets
        are never fragmented; a full-size frame's outer fragments came back duplicated through
        the chassis' userspace bridge when tried)."""
        mtu = mtu or 1500 - VXLAN_OVERHEAD
        macs = [(e.mac or names.link_mac(self.testbed, e.node, e.ifname)).lower() for e in (a, b)]
        for e, mac, local, remote in ((a, macs[0], ips[0], ips[1]), (b, macs[1], ips[1], ips[0])):
            with netns(e.netns) as ns:
                ns.link("add", ifname=e.ifname, kind="vxlan", vxlan_id=vni, vxlan_local=local,
                        vxlan_group=remote, vxlan_port=VXLAN_PORT, vxlan_learning=0,
                        address=mac, mtu=mtu)
                ns.link("set", index=ns.link_lookup(ifname=e.ifname)[0], state="up")
        return Link(veth_name(a.endpoint, b.endpoint), "vxlan", (a.endpoint, b.endpoint),
                    macs=tuple(macs), mtu=mtu, vni=vni)

    def raise_pending(self, workers: int = 8) -> int:
        """Bring up every peer end still down: one namespace session each, `workers` at a time."""
        with self._lock:
            pending, self._pending = self._pending, {}

        def up(item: tuple[str, list[str]]) -> None:
            path, ifnames = item
            with netns(path) as ns:
                for ifname in ifnames:
                    ns.link("set", index=ns.link_lookup(ifname=ifname)[0], state="up")
        each(up, pending.items(), workers)
        return sum(len(v) for v in pending.values())

    def leftovers(self) -> list[str]:
        """Host-namespace links of this testbed (only present after an interrupted wiring)."""
        with IPRoute() as ipr:
            return [
                link.get("ifname") for link in ipr.get_links()
                if link.get("ifalias") == self.alias or str(link.get("ifname")).startswith(
                    tag(self.testbed))
            ]

    def remove_leftovers(self) -> int:
        names = self.leftovers()
        with IPRoute() as ipr:
            for name in names:
                found = ipr.link_lookup(ifname=name)
                if found:
                    ipr.link("del", index=found[0])
        return len(names)


_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns into a network namespace: {os.strerror(err)}")


def netns(path: str) -> IPRoute:
    """An IPRoute whose netlink socket lives in a network namespace (a node's `netns`: the
    file of a namespace, such as /proc/PID/ns/net). The calling thread steps into that
    namespace just while the socket is made and steps back (setns acts on one thread; a socket
    stays in the namespace it was made in): no child process per session, which cost up to
    0.3 s each in a busy harness."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(path, os.O_RDONLY)
        try:
            _setns(target)
            try:
                return IPRoute()
            finally:
                _setns(own)  # raises if it cannot: this thread must not go on elsewhere
        finally:
            os.close(target)
    finally:
        os.close(own)


def set_address(ns_path: str, ifname: str, cidr: str, gateway: str | None = None) -> None:
    """Put an address (and optionally a default route) on an interface inside a namespace;
    IPv4 or IPv6, as the address is."""
    ip, prefix = cidr.split("/")
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with netns(ns_path) as ns:
        idx = ns.link_lookup(ifname=ifname)[0]
        ns.addr("replace", index=idx, address=ip, prefixlen=int(prefix), family=family)
        ns.link("set", index=idx, state="up")
        if gateway:
            ns.route("replace", dst="::/0" if family == socket.AF_INET6 else "0.0.0.0/0",
                     gateway=gateway, family=family)


def add_bridge(ns_path: str, bridge: str, ports: list[str], exists: bool = False) -> None:
    """A Linux bridge in a namespace, up, with these interfaces of that namespace on it
    (`exists`: the bridge is there, only the ports join it)."""
    with netns(ns_path) as ns:
        if not exists:
            ns.link("add", ifname=bridge, kind="bridge")
        idx = ns.link_lookup(ifname=bridge)[0]
        ns.link("set", index=idx, state="up")
        for port in ports:
            ns.link("set", index=ns.link_lookup(ifname=port)[0], master=idx)


def is_up(ns_path: str, ifname: str) -> bool:
    """The interface is administratively up (IFF_UP)."""
    with netns(ns_path) as ns:
        found = ns.link_lookup(ifname=ifname)
        return bool(found) and bool(ns.get_links(found[0])[0]["flags"] & 1)


def set_state(ns_path: str, ifname: str, state: str) -> None:
    with netns(ns_path) as ns:
        ns.link("set", index=ns.link_lookup(ifname=ifname)[0], state=state)


def rate_limit(ns_path: str, ifname: str, kbit: int) -> None:
    """A token bucket on the interface's egress (tc tbf)."""
    with netns(ns_path) as ns:
        ns.tc("add", "tbf", index=ns.link_lookup(ifname=ifname)[0], rate=f"{kbit}kbit",
              burst=max(1600, kbit * 1000 // 8 // 50), latency=50_000)


def netem(ns_path: str, ifname: str, delay_ms: float, loss_pct: float) -> None:
    """Delay and loss on the interface's egress (tc netem): needs the kernel's sch_netem."""
    try:
        with netns(ns_path) as ns:
            ns.tc("add", "netem", index=ns.link_lookup(ifname=ifname)[0],
                  delay=int(delay_ms * 1000), loss=loss_pct)
    except Exception as exc:  # noqa: BLE001 - the kernel's answer, turned into a clear message
        if "not supported" in str(exc).lower() or "No such file" in str(exc) or \
                "Unknown" in str(exc) or getattr(exc, "code", None) in (2, 95):
            raise RuntimeError("this kernel has no netem (CONFIG_NET_SCH_NETEM): delay and "
                               "loss cannot be injected here; `rate` (tbf) and `cut` work") from exc
        raise


def clear_qdisc(ns_path: str, ifname: str) -> None:
    """Remove the root qdisc a fault added (tbf, netem); the interface keeps its default."""
    with netns(ns_path) as ns:
        idx = ns.link_lookup(ifname=ifname)[0]
        for q in ns.get_qdiscs(index=idx):
            if q.get_attr("TCA_KIND") in ("tbf", "netem") and q["parent"] == 0xFFFFFFFF:
                ns.tc("del", index=idx, handle=q["handle"], parent=q["parent"])


def set_sysctls(ns_path: str, values: dict[str, str]) -> None:
    """net.* sysctls of a namespace, written from the host (a container's /proc/sys is
    read-only; net.* sysctls belong to the namespace they are written in)."""
    from .command import run_host

    if values:
        run_host(["nsenter", f"--net={ns_path}", "sysctl", "-q", "-w",
                  *(f"{k}={v}" for k, v in values.items())])


def set_forwarding(ns_path: str) -> None:
    """Let a namespace route IPv4 between its interfaces (an upstream router)."""
    set_sysctls(ns_path, {"net.ipv4.ip_forward": "1"})


def delete_link(ns_path: str, ifname: str) -> bool:
    """Delete an interface in a namespace if it is there (a veth takes its peer with it)."""
    with netns(ns_path) as ns:
        found = ns.link_lookup(ifname=ifname)
        if found:
            ns.link("del", index=found[0])
        return bool(found)


def add_route(ns_path: str, dst: str, gateway: str) -> None:
    family = socket.AF_INET6 if ":" in gateway else socket.AF_INET
    with netns(ns_path) as ns:
        ns.route("replace", dst=dst, gateway=gateway, family=family)


def move_address(ns_path: str, ifname: str, cidr: str, away_from: list[str]) -> None:
    """Put `cidr` on `ifname` (up) and take every address off the `away_from` interfaces, in one
    namespace session (a chassis' tunnel address moving from its NIC onto br-ovl)."""
    ip, prefix = cidr.split("/")
    with netns(ns_path) as ns:
        for other in away_from:
            ns.flush_addr(index=ns.link_lookup(ifname=other)[0])
        idx = ns.link_lookup(ifname=ifname)[0]
        ns.addr("replace", index=idx, address=ip, prefixlen=int(prefix))
        ns.link("set", index=idx, state="up")


def mac_of(ns_path: str, ifname: str) -> str:
    with netns(ns_path) as ns:
        return str(ns.get_links(ns.link_lookup(ifname=ifname)[0])[0].get("address")).lower()


def ifnames_by_mac(ns_path: str, macs: set[str], kind: str = "veth") -> dict[str, str]:
    """The interfaces of a kind with these MACs, in one namespace session (MAC -> name)."""
    wanted = {m.lower() for m in macs}
    found = {}
    with netns(ns_path) as ns:
        for link in ns.get_links():
            info = link.get("IFLA_LINKINFO")
            mac = str(link.get("address")).lower()
            if mac in wanted and (info.get("IFLA_INFO_KIND") if info else None) == kind:
                found[mac] = link.get("ifname")
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"no {kind} with MAC {', '.join(sorted(missing))} in the namespace of "
                          f"{ns_path}")
    return found


def ifname_by_mac(ns_path: str, mac: str, kind: str = "veth") -> str:
    """The interface of a kind with a MAC (Docker's NICs are veths; br-ovl, an OVS internal
    port, carries the overlay NIC's MAC too)."""
    with netns(ns_path) as ns:
        for link in ns.get_links():
            info = link.get("IFLA_LINKINFO")
            if str(link.get("address")).lower() == mac.lower() and \
                    (info.get("IFLA_INFO_KIND") if info else None) == kind:
                return link.get("ifname")
    raise LookupError(f"no {kind} with MAC {mac} in the namespace {ns_path}")

