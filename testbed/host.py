"""A host of the testbed (fake VM or external host) that sends probes."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from . import names
from .observe import dhcp as dhcp_client
from .observe import ipv6conf
from .observe import ping as ping_parser
from .runtime.base import Node


@dataclass
class Host:
    node: Node

    @property
    def name(self) -> str:
        return self.node.name

    def ping(self, destination: str, count: int = 3, interval: float = 0.2,
             wait: float = 2.0, quiet: bool = False,
             deadline: float | None = None, size: int | None = None,
             df: bool = False) -> ping_parser.PingResult:
        """Ping from this host; lost probes are a result (100 % loss), a ping that could not
        run at all (a refused argument, no route to send on) raises ping.PingNotRun.
        `quiet`: no line per reply (for floods: the summary keeps min/avg/max).
        `deadline`: run until `count` replies or this many seconds (ping -w): a late reply
        counts, where without it ping gives up two round trips after its last request; a
        probe really lost is sent again, so it still shows as loss. `size`: each IP packet's
        bytes (ping -s size-28); `df`: don't fragment (-M do)."""
        # iputils takes -i and -W as decimals but -w only as a whole number of seconds
        until = ["-w", str(math.ceil(deadline))] if deadline is not None else []
        out = self.node.run(["ping", "-n", *(["-q"] if quiet else []), "-c", str(count),
                             "-i", str(interval), "-W", str(wait), *until,
                             *(["-s", str(size - 28)] if size is not None else []),
                             *(["-M", "do"] if df else []), destination],
                            check=False)
        return ping_parser.parse(destination, out.stdout + out.stderr)

    def dhcp(self, interface: str = names.VM_NIC) -> dhcp_client.Lease:
        """Ask for an address with DHCP (the lease is applied to `interface`), and say who
        answered: `tb.host("vm1").dhcp().server_mac`."""
        from .observe.capture import capture

        self.node.run(["rm", "-f", dhcp_client.LEASE_FILE], check=False)
        with capture(self.node, interface) as cap:
            self.node.run(dhcp_client.client_argv(interface))
        answers = [f.packet for f in cap.frames if f.packet.proto == "udp"
                   and f.packet.sport == 67]
        text = self.node.exec(["cat", dhcp_client.LEASE_FILE])
        return dhcp_client.parse(text, answers[-1].eth_src if answers else None)

    def autoconf6(self, mode: str, interface: str = names.VM_NIC,
                  timeout: float = 15.0) -> ipv6conf.Ipv6Config:
        """Configure IPv6 the way a switch's ipv6_mode says (slaac, dhcpv6-stateful,
        dhcpv6-stateless): IPv6 is restarted on the NIC, which solicits a router advertisement
        at once; DHCPv6 runs where the mode has it. Returns what the VM then has, and the
        advertisement and DHCPv6 answers captured on its NIC while it configured itself."""
        from . import wait, wiring
        from .observe.capture import capture

        autoconf = mode in ("slaac", "dhcpv6-stateless")
        off = f"net.ipv6.conf.{interface}.disable_ipv6"
        self.node.run(["rm", "-f", ipv6conf.LEASE_FILE], check=False)
        with capture(self.node, interface) as cap:
            wiring.set_sysctls(self.node.netns, {off: "1"})
            wiring.set_sysctls(self.node.netns, {**ipv6conf.sysctls(interface, autoconf),
                                                 off: "0"})

            def missing() -> list[str]:
                got = self.ipv6_now(interface)
                return [w for w, ok in (("a default router", got[1]),
                                        ("an address formed from the prefix", got[0] or
                                         not autoconf)) if not ok]
            wait.until(f"{self.name} to take a router advertisement", missing, timeout)
            if mode.startswith("dhcpv6"):
                self.node.run(ipv6conf.client_argv(interface, stateless=autoconf))
        lease = ipv6conf.parse_lease(self.node.run(["cat", ipv6conf.LEASE_FILE],
                                                   check=False).stdout)
        adverts = [a for a in (ipv6conf.advert(f.raw) for f in cap.frames) if a is not None]
        servers = [f.eth_src for f in cap.frames if f.packet.proto == "udp"
                   and f.packet.sport == ipv6conf.DHCPV6_SERVER_PORT]
        addresses, router = self.ipv6_now(interface)
        ra = adverts[-1] if adverts else None
        dns = tuple(str(ipaddress.ip_address(d)) for d in lease.get("dns", "").split()) or (
            ra.rdnss if ra else ())
        return ipv6conf.Ipv6Config(interface, mode, addresses, router, dns, ra,
                                   servers[-1] if servers else None, lease)

    def ipv6_now(self, interface: str = names.VM_NIC) -> tuple[tuple[str, ...], str | None]:
        """(global IPv6 addresses with prefix length, default router) as the VM has them."""
        addrs = self.node.run(["ip", "-j", "-6", "addr", "show", "dev", interface,
                               "scope", "global"]).stdout
        route = self.node.run(["ip", "-j", "-6", "route", "show", "default"]).stdout
        return ipv6conf.global_addresses(addrs), ipv6conf.default_router(route)

    def listen_tcp(self, port: int, output: str) -> None:
        """Accept one TCP connection on `port` (busybox nc) and write what arrives to `output`
        in the host; it ends with the connection."""
        self.node.spawn(["sh", "-c", 'exec busybox nc -l -p "$1" > "$2"', "sh", str(port),
                         output])

    def tcp_session(self, address: str, port: int, go_file: str, timeout: float = 10.0) -> None:
        """Open a TCP connection and send "before"; send "after" on the same connection once
        `go_file` exists in the host (bounded by `timeout`), then close. For tests of what
        happens to an established connection."""
        rounds = str(int(timeout / 0.05))
        self.node.spawn(["bash", "-c", 'exec 3>"/dev/tcp/$1/$2" || exit 1; echo before >&3; '
                         'for _ in $(seq 1 "$4"); do [ -e "$3" ] && break; sleep 0.05; done; '
                         'echo after >&3; sleep 0.5', "bash", address, str(port), go_file,
                         rounds])
