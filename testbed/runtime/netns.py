"""The `netns` runtime: every node a set of namespaces (net, mount, UTS) instead of a container.

One holder container of the node image carries the binaries and the processes; in it each node
is a process tree in its own network, mount and UTS namespaces, started by the same node-init
as a container's (with private tmpfs on /run, /etc/openvswitch, /var/lib/ovn and /var/log, so
the daemons' sockets and databases stay per node). Docker's bridge networks (mgmt, overlay)
become Linux bridges in a fabric namespace, each node on them through a veth. Commands reach a
node with nsenter from the host, so no container runtime is in the loop once the holder runs.

What it is for: the floor that `bench/bringup.py` measures the container runtime against (the
same daemons, links, configuration and readiness waits, without containers), and the proof that
a runtime other than Docker fits behind the backend interface (docs/scale-out.md). Removing the
holder container removes every node, namespace and veth with it.

What a node is, by name alone (another process, after a crash): each node's processes carry
OVN_TESTBED=<testbed>, OVN_TESTBED_NODE=<node> and OVN_TESTBED_NETS=<its addresses> in their
environment, found in /proc. Faults that need a container of their own (stop, pause) are not
available here; the kinds acting on daemons and links are.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import names, wait, wiring
from ..command import CommandResult, Commands
from ..errors import TestbedError
from ..names import LABEL, RUNTIME_LABEL, holder_name
from ..parallel import each
from .address import NetAddress, address_on, nets_env, parse_nets
from .compose import MTU_OPTION
from .docker import DockerBackend
from .enter import popen_in, run_in
from .runtimes import register

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FABRIC = ".fabric"
IPV6_OFF = {"net.ipv6.conf.all.disable_ipv6": "1", "net.ipv6.conf.default.disable_ipv6": "1"}
"""the fabric's namespace, as every node's but dual-stack hosts' (compose/node.yaml)"""
"""The namespace holding the networks' bridges (not a node)."""
SUBNETS = {"mgmt": "100.64", "overlay": "100.65"}
"""Each network's /16 (private to the fabric: no host interface is on it)."""
PREFIX = 16
# The holder's first process starts every node, then stays (fixed scripts; the values come as
# arguments, seven per node: testbed, node, role, networks, datapath, niceness, node-init role). Each node:
# its own namespaces, tmpfs mounts, hostname and loopback up (a new network namespace has it
# down: nothing reaches the node's own addresses, a clustered central's tools fail to reach
# their member), then node-init with its role. One process
# starting them all costs far less than an exec per node (about 0.1 s of the engine's CPU each).
_START = (
    'for d in /run /etc/openvswitch /var/lib/ovn /var/log; do mount -t tmpfs tmpfs "$d"; done; '
    'mkdir -p /run/lock; hostname "$1"; ip link set lo up; '
    'exec /usr/local/bin/node-init "$2"')
_LAUNCH = (
    'start=$1; shift; '
    'while [ "$#" -ge 7 ]; do '
    'unshare --mount --net --uts --propagation private -- env OVN_TESTBED="$1" '
    'OVN_TESTBED_NODE="$2" OVN_TESTBED_ROLE="$3" OVN_TESTBED_NETS="$4" OVS_DATAPATH="$5" '
    'NODE_NICE="$6" sh -c "$start" node-start "$2" "$7" & shift 7; done; exec sleep infinity')


def _environ(pid: str) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone meanwhile, or a kernel thread
        return {}
    return dict(kv.split("=", 1) for kv in raw.decode(errors="replace").split("\0") if "=" in kv)


def _parent(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    except OSError:
        return "0"


def processes(testbed: str) -> dict[str, int]:
    """Each node of a netns testbed (and its fabric) -> the host PID at the top of its tree."""
    tagged = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            env = _environ(entry)
            if env.get("OVN_TESTBED") == testbed and "OVN_TESTBED_NODE" in env:
                tagged[entry] = env["OVN_TESTBED_NODE"]
    tops: dict[str, int] = {}
    for pid, node in tagged.items():  # the first process of a node; its detached daemons
        if tagged.get(_parent(pid)) != node:  # are re-parented to the holder's init
            tops[node] = min(int(pid), tops.get(node, int(pid)))
    return tops


@dataclass
class NetnsNode(Commands):
    """One node of a netns testbed: the Node interface (run, exec, pid, network ...)."""

    name: str
    pid: int
    role: str
    holder: object  # the holder Container
    nets: dict[str, dict] = field(default_factory=dict)

    @property
    def netns(self) -> str:
        """The file of its network namespace, which links, addresses and captures enter."""
        return f"/proc/{self.pid}/ns/net"

    @property
    def running(self) -> bool:
        return Path(f"/proc/{self.pid}").exists()

    @property
    def status(self) -> str:
        return "running" if self.running else "exited"

    @property
    def container_name(self) -> str:
        return f"{self.holder.name}:{self.name}"

    def run(self, argv: Sequence[str], check: bool = True) -> CommandResult:
        return run_in(self.name, self.pid, self._argv(argv), [f"PATH={PATH}", "HOME=/root"], check)

    def stream(self, argv: Sequence[str]) -> subprocess.Popen:
        """Start an argument list whose output is read as it comes (the caller ends it)."""
        return popen_in(self.pid, self._argv(argv), [f"PATH={PATH}", "HOME=/root"])

    def spawn(self, argv: Sequence[str]) -> None:
        """In the background, inside the holder (so removing it ends the process too)."""
        inner = Path(f"/proc/{self.pid}/status").read_text().split("NSpid:")[1].split()[-1]
        self.holder.exec_run(["nsenter", "-t", inner, "-m", "-n", "-u", "--", *argv],
                             detach=True)

    def on_network(self, key: str) -> bool:
        return key in self.nets

    def address(self, key: str) -> NetAddress:
        return address_on(self.name, self.nets, key)

    capabilities = frozenset()  # nodes share one holder: no whole-node stop, pause, archive

    def logs(self, tail: int = 5000) -> bytes:
        """What a container's console would show: the tails of its daemons' logs."""
        return self.run(["find", "/var/log", "-name", "*.log", "-exec", "tail", "-n", str(tail),
                         "{}", "+"], check=False).stdout.encode()


@register
class NetnsBackend(DockerBackend):
    """Nodes as namespaces in one holder container (see the module's docstring)."""

    name = "netns"
    holder_seconds = 0.0

    kind = "netns"  # the holder's runtime label and name suffix (VmHolder: "vms")

    def holder(self, testbed: str):
        found = self.client.containers.list(
            all=True, filters={"label": [f"{LABEL}={testbed}", f"{RUNTIME_LABEL}={self.kind}"]})
        return found[0] if found else None

    def claims(self, testbed: str) -> bool:
        return self.holder(testbed) is not None

    def nodes(self, testbed: str) -> dict[str, NetnsNode]:
        holder = self.holder(testbed)
        if holder is None:
            return {}
        expected = launched(holder.attrs["Config"].get("Cmd") or [])
        found = processes(testbed)
        deadline = time.monotonic() + 2.0
        # a process reads as untagged while it execs (node-init -> tail): ask again briefly
        while not expected <= set(found) and time.monotonic() < deadline:
            time.sleep(0.05)
            found = {**processes(testbed), **found}
        out = {}
        for node, pid in found.items():
            if node != FABRIC:
                env = _environ(str(pid))
                out[node] = NetnsNode(node, pid, env.get("OVN_TESTBED_ROLE", ""), holder,
                                      parse_nets(env.get("OVN_TESTBED_NETS", "")))
        return dict(sorted(out.items()))

    node_events = None  # nodes are no containers: the engine says nothing of them (polled)

    def images(self, scenario, progress) -> dict[str, str]:
        if scenario.settings.neutron:
            raise TestbedError("settings.neutron needs the docker runtime: the neutron node runs "
                               "from an image of its own (neutron-server, MariaDB)")
        return super().images(scenario, progress)

    def create(self, document: dict, project: str, config_file: str, workers: int = 8,
               progress: Callable[[str], None] = lambda _: None) -> None:
        services = document["services"]
        images = {svc["image"] for svc in services.values()}
        if len(images) != 1:
            raise TestbedError(f"the netns runtime runs every node from one image; this "
                               f"scenario asks for {len(images)} ({', '.join(sorted(images))}): "
                               "use the docker runtime for per-node OVN builds")
        plan = addresses(project, services)
        progress(f"starting {len(services)} nodes as namespaces in "
                 f"{holder_name(project, self.kind)}")
        found = self.start_holder(images.pop(), services, plan, project, config_file, workers)
        fabric(project, found, plan, workers, network_mtus(document))

    def start_holder(self, image: str, services: dict, plan: dict, project: str,
                     config_file: str, workers: int = 8) -> dict[str, int]:
        """The holder container, the fabric's namespace and a namespace per service in it,
        each started by node-init; node (and FABRIC) -> the host PID at its top."""
        started = time.monotonic()
        holder = self.client.containers.create(
            image, entrypoint=["sh", "-c", _LAUNCH, "launch"],
            command=launch_args(project, services, plan),
            name=holder_name(project, self.kind), hostname=project,
            labels={LABEL: project, RUNTIME_LABEL: self.kind,
                    "com.docker.compose.project.config_files": config_file},
            cap_drop=["ALL"], cap_add=["SYS_ADMIN", "NET_ADMIN", "NET_RAW"],
            devices=["/dev/net/tun:/dev/net/tun"], security_opt=["apparmor=unconfined"],
            init=True, detach=True, network_mode="none")
        holder.start()
        self.holder_seconds = time.monotonic() - started  # the image's files, not the nodes

        found: dict[str, int] = {}

        def missing() -> list[str]:
            found.update(processes(project))
            return [n for n in (FABRIC, *services) if n not in found]
        wait.until(f"the namespaces of {len(services)} nodes", missing, 60, interval=0.1)

        def sysctls(name: str) -> None:  # each node's own (IPv6 on for dual-stack hosts)
            values = services[name].get("sysctls", {}) if name in services else IPV6_OFF
            wiring.set_sysctls(f"/proc/{found[name]}/ns/net",
                               {k: str(v) for k, v in values.items()})
        each(sysctls, list(found), workers)
        return found


def network_mtus(document: dict) -> dict[str, int]:
    """Each network's MTU where the scenario sets one (the document's networks)."""
    return {net: int(spec["driver_opts"][MTU_OPTION])
            for net, spec in document.get("networks", {}).items()
            if MTU_OPTION in spec.get("driver_opts", {})}


def launch_args(project: str, services: dict, plan: dict) -> list[str]:
    """The holder's command: _START, then seven values per node (see _LAUNCH)."""
    args = [_START]
    for name, svc in [(FABRIC, {"command": ["host"], "labels": {}}), *services.items()]:
        env = svc.get("environment", {})
        args += [project, name, svc["labels"].get(names.ROLE_LABEL, ""),
                 nets_env(plan.get(name, {})), env.get("OVS_DATAPATH", "netdev"),
                 env.get("NODE_NICE", "0"), svc["command"][0]]
    return args


def launched(cmd: list[str]) -> set[str]:
    """The nodes a holder's command starts (its Config.Cmd, as launch_args made it)."""
    return set(cmd[1:][1::7]) - {FABRIC}


def addresses(project: str, services: dict) -> dict[str, dict[str, tuple[str, str]]]:
    """node -> network -> (cidr, mac), in the order Docker would number them."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for net, base in SUBNETS.items():
        on = [n for n, svc in services.items() if net in svc.get("networks", [])]
        for i, node in enumerate(on):
            host = i + 2
            out.setdefault(node, {})[net] = (
                f"{base}.{host // 256}.{host % 256}/{PREFIX}",
                names.link_mac(project, node, f"net-{net}"))
    return out


def fabric(project: str, pids: dict[str, int], plan: dict, workers: int,
           mtus: dict[str, int], only: set[str] | None = None) -> None:
    """The networks' bridges in the fabric namespace and each node's NIC on them (eth0, eth1 in
    the order of its networks, as Docker names them). `only`: these nodes' NICs again, on the
    bridges already there (a container started again came back without them)."""
    fabric_ns = f"/proc/{pids[FABRIC]}/ns/net"
    made = wiring.Wiring(project)
    ports: dict[str, list[str]] = {}  # network -> its bridge's ports (made now)
    for k, (node, nets) in enumerate(sorted(plan.items())):  # names by place: the same again
        if only is not None and node not in only:
            continue
        for i, (net, (_, mac)) in enumerate(nets.items()):
            port = f"{net[:3]}{k}-{i}"
            made.link(wiring.End(node, f"/proc/{pids[node]}/ns/net", f"eth{i}", mac),
                      wiring.End(FABRIC, fabric_ns, port), defer=True, mtu=mtus.get(net))
            ports.setdefault(net, []).append(port)
    made.raise_pending(workers)
    for net, members in sorted(ports.items()):
        wiring.add_bridge(fabric_ns, net, members, exists=only is not None)

    def address(node: str) -> None:
        for i, (cidr, _) in enumerate(plan[node].values()):
            wiring.set_address(f"/proc/{pids[node]}/ns/net", f"eth{i}", cidr)
    each(address, [n for n in plan if only is None or n in only], workers)


class VmHolder(NetnsBackend):
    """A docker testbed's VMs as namespaces in one holder container (settings.vm_namespaces):
    the docker runtime creates them through this and finds them beside its containers. Not a
    runtime of its own (not registered): the testbed stays the docker runtime's."""

    kind = "vms"
