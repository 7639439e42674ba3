"""Fault kinds: each registers itself, injects, and restores what it did.

    with tb.faults.kill("gw1", "ovs-vswitchd"):      # SIGKILL; restored by starting it again
        ...
    with tb.faults.pause("gw1"): ...                 # the whole container frozen (docker pause)
    with tb.faults.cut("gw1", "overlay"): ...        # the node's end of a link down
    with tb.faults.stop("compute-a", "ovn-controller"): ...   # SIGSTOP / SIGCONT
    with tb.faults.stop("gw1"): ...                  # docker stop; restore starts and re-wires
    with tb.faults.drop_bfd("gw1", "overlay"): ...   # only BFD dropped (nftables, egress)
    with tb.faults.rate("vm1", "eth0", kbit=512): ...          # token bucket on the node's end
    tb.faults.ls(); tb.faults.restore_all()

Active faults are saved in the run's state.json, so `testbed fault restore` in another process
undoes them, and `testbed down` needs nothing more: the containers go with their faults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .. import wait, wiring
from ..errors import FaultError
from ..names import PIDFILES
from ..observe import journal

if TYPE_CHECKING:
    from ..lab import Lab

ROLE_DAEMONS = {
    "gateway": ("ovsdb-server", "ovs-vswitchd", "ovn-controller"),
    "compute": ("ovsdb-server", "ovs-vswitchd", "ovn-controller"),
    "central": ("ovnnb_db", "ovnsb_db", "ovn-northd"),
    "relay": ("ovnsb_db",),
    "tor": ("ovsdb-server", "ovs-vswitchd"),
}
KILL_EXIT_TIMEOUT = 10.0  # seconds a SIGKILLed daemon gets to exit


@dataclass
class Fault:
    """One injected fault: what kind, on which node, on what (daemon or interface), how."""

    kind: str
    node: str
    target: str = ""
    params: dict = field(default_factory=dict)

    def describe(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.params.items())
        return " ".join(x for x in (self.kind, self.node, self.target, extra) if x)


class Kind:
    name = ""

    def inject(self, lab: Lab, f: Fault) -> None:
        raise NotImplementedError

    def restore(self, lab: Lab, f: Fault) -> None:
        raise NotImplementedError

    def undone(self, lab: Lab, f: Fault) -> bool:
        """Whether what the fault did is already gone (a node restarted under it restarted
        its daemons too): restore then has nothing to undo."""
        return False


FAULTS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    FAULTS[cls.name] = cls()
    return cls


def running_pid(lab: Lab, node: str, daemon: str) -> int | None:
    """The daemon's pid from its pidfile if that process is alive, else None."""
    found = running_process(lab, node, daemon)
    return found[0] if found else None


def running_process(lab: Lab, node: str, daemon: str) -> tuple[int, int] | None:
    """(pid, start time in clock ticks since the node's boot) of the daemon's live process:
    a node started again gives its daemons the same small pids, the start time tells them
    apart. A process that has died and not yet been reaped (state Z or X) is not live."""
    out = lab.nodes[node].run(["sh", "-c", 'p=$(cat "$1") && read -r s < "/proc/$p/stat" && '
                              'set -- ${s##*) } && echo "$p $20 $1"', "sh", PIDFILES[daemon]],
                             check=False)
    words = out.stdout.split()
    if not (out.ok and len(words) == 3 and words[0].isdigit() and words[1].isdigit()):
        return None
    return None if words[2] in ("Z", "X", "x") else (int(words[0]), int(words[1]))


def daemon_pid(lab: Lab, node: str, daemon: str) -> int:
    role = lab.scenario.nodes[node].role.value if node in lab.scenario.nodes else "vm"
    if daemon not in ROLE_DAEMONS.get(role, ()):
        raise FaultError(f"{node} ({role}) runs no {daemon!r}; its daemons: "
                         f"{', '.join(ROLE_DAEMONS.get(role, ())) or '(none)'}")
    pid = running_pid(lab, node, daemon)
    if pid is None:
        raise FaultError(f"{daemon} on {node} is not running (no live process in its pidfile "
                         f"{PIDFILES[daemon]})")
    return pid


@register
class Kill(Kind):
    """SIGKILL a daemon; restore starts it again (and re-applies what it held in memory)."""

    name = "kill"

    def inject(self, lab, f):
        pid = daemon_pid(lab, f.node, f.target)
        lab.nodes[f.node].exec(["kill", "-9", str(pid)])
        # SIGKILL is delivered, not done: until the process has exited it holds its pidfile's
        # lock, and a start made meanwhile aborts with "already running"
        wait.until(f"{f.target} on {f.node} (pid {pid}) to exit after SIGKILL",
                   lambda: [] if running_pid(lab, f.node, f.target) != pid else [f"pid {pid}"],
                   KILL_EXIT_TIMEOUT, interval=0.05)

    def undone(self, lab, f):
        return running_pid(lab, f.node, f.target) is not None

    def restore(self, lab, f):
        lab.nodes[f.node].exec(["node-init", "start", f.target])
        if f.target == "ovs-vswitchd" and f.node in lab.scenario.chassis:
            lab.reconfigure_chassis(f.node)  # the tunnel address lived on br-ovl's tap


@register
class Stop(Kind):
    """With a daemon: SIGSTOP it (it holds its sockets but answers nothing); restore sends
    SIGCONT. Without: stop the whole container (`docker stop`: its namespace and veths go);
    restore starts it and re-wires it from the link inventory (rewire.restart_node)."""

    name = "stop"

    def inject(self, lab, f):
        if not f.target:
            whole(lab, f.node, "stop").stop(timeout=1)
            return
        f.params["pid"] = daemon_pid(lab, f.node, f.target)
        f.params["started"] = (running_process(lab, f.node, f.target) or (0, 0))[1]
        lab.nodes[f.node].exec(["kill", "-STOP", str(f.params["pid"])])

    def restore(self, lab, f):
        if not f.target:
            from .. import rewire  # the whole re-wiring, only when a node comes back

            rewire.restart_node(lab, f.node)
            return
        lab.nodes[f.node].exec(["kill", "-CONT", str(f.params["pid"])])

    def undone(self, lab, f):
        # the stopped process is gone (its node was restarted, or it was killed since)
        return bool(f.target) and running_process(lab, f.node, f.target) != (
            f.params["pid"], f.params.get("started"))


@register
class Pause(Kind):
    """Freeze a whole node (docker pause): its interfaces stay, nothing in it runs."""

    name = "pause"

    def inject(self, lab, f):
        whole(lab, f.node, "pause").pause()

    def restore(self, lab, f):
        whole(lab, f.node, "pause").unpause()


def whole(lab: Lab, node: str, kind: str):
    """The node, if its runtime can do `kind` (stop, pause) to a whole node (the netns
    runtime's nodes share one holder: it cannot)."""
    handle = lab.nodes[node]
    sc = lab.scenario
    if kind not in handle.capabilities and node in sc.vms and sc.settings.vm_namespaces:
        raise FaultError(f"fault '{kind}' on the whole node {node} needs a container of its "
                         f"own, and {node} runs as a namespace (settings.vm_namespaces): give it "
                         "own_container: true, or kill a process in it instead")
    if kind not in handle.capabilities:
        raise FaultError(f"fault '{kind}' on the whole node {node} needs a container per node; "
                         f"testbed {lab.name} runs on the {lab.runtime} runtime: stop or kill one "
                         "of its daemons instead, or bring it up with --runtime docker")
    return handle


def end_of(lab: Lab, node: str, what: str) -> str:
    """A node's interface on a link, named by the link, its network, the peer, or the ifname."""
    for link in lab.links.of(node):
        end = link.end_of(node)
        peers = [p.node for p in link.peers_of(end)] if link.point_to_point else []
        if what in (link.name, link.network, end.ifname, *peers):
            return end.ifname
    names = sorted({lk.network or lk.name for lk in lab.links.of(node)})
    raise FaultError(f"{node} has no link {what!r}; its links: {', '.join(names)}")


@register
class Cut(Kind):
    """Take a node's end of a link down (the wire is cut there); restore brings it up."""

    name = "cut"

    def inject(self, lab, f):
        f.params["ifname"] = end_of(lab, f.node, f.target)
        wiring.set_state(lab.nodes[f.node].netns, f.params["ifname"], "down")

    def restore(self, lab, f):
        wiring.set_state(lab.nodes[f.node].netns, f.params["ifname"], "up")


GENEVE_PORT, VXLAN_PORT = 6081, 4789
BFD_PORT = 3784


def bfd_rule(encap: str = "geneve") -> list[str]:
    """An nftables match for BFD carried in the overlay: outer UDP to the encapsulation's port,
    (geneve: a header without options - OVS sends BFD with none, OVN's data packets carry one;
    vxlan: its fixed 8-byte header), then Ethernet, IPv4, UDP to 3784. Offsets are bits from
    the outer UDP header (@th)."""
    header = 8 * 8                       # after the outer UDP header
    inner_eth = header + 8 * 8           # geneve base header without options / vxlan header
    inner_ip = inner_eth + 14 * 8
    port = GENEVE_PORT if encap == "geneve" else VXLAN_PORT
    first = [f"@th,{header},8", "0x00"] if encap == "geneve" else []  # version 0, no options
    return ["udp", "dport", str(port), *first,
            f"@th,{inner_eth + 12 * 8},16", "0x0800",       # inner ethertype IPv4
            f"@th,{inner_ip + 9 * 8},8", "17",              # inner protocol UDP
            f"@th,{inner_ip + 20 * 8 + 16},16", str(BFD_PORT),  # inner destination port
            "counter", "drop"]


def nft_table(ifname: str) -> str:
    return f"testbed-bfd-{ifname}"


@register
class DropBfd(Kind):
    """Drop only BFD leaving a node's end of a link (an nftables rule on the netdev egress
    hook): the tunnels still carry data, the chassis at the other end declare this one down.
    Egress, because a userspace datapath reads its NICs with packet sockets, which see frames
    before any ingress hook; a kernel datapath transmits through the same hook."""

    name = "drop-bfd"

    def inject(self, lab, f):
        ifname = f.params["ifname"] = end_of(lab, f.node, f.target or "overlay")
        table = nft_table(ifname)
        chain = ["netdev", table, "egress"]
        lab.nodes[f.node].run_all([
            ["nft", "add", "table", "netdev", table],
            ["nft", "add", "chain", *chain,
             f'{{ type filter hook egress device "{ifname}" priority 0 ; }}'],
            ["nft", "add", "rule", *chain, *bfd_rule(lab.scenario.physical.encap)]])

    def restore(self, lab, f):
        lab.nodes[f.node].run(["nft", "delete", "table", "netdev", nft_table(f.params["ifname"])],
                             check=False)  # gone with the namespace if the node restarted


def dropped_bfd(lab: Lab, f: Fault) -> int:
    """How many BFD packets the rule of a drop-bfd fault has dropped so far."""
    out = lab.nodes[f.node].exec(["nft", "-j", "list", "table", "netdev",
                                 nft_table(f.params["ifname"])])
    for item in json.loads(out)["nftables"]:
        for expr in item.get("rule", {}).get("expr", []):
            if "counter" in expr:
                return int(expr["counter"]["packets"])
    return 0


@register
class Rate(Kind):
    """Limit a node's end of a link with a token bucket (tc tbf); restore removes it."""

    name = "rate"

    def inject(self, lab, f):
        f.params["ifname"] = end_of(lab, f.node, f.target)
        wiring.rate_limit(lab.nodes[f.node].netns, f.params["ifname"], int(f.params["kbit"]))

    def restore(self, lab, f):
        wiring.clear_qdisc(lab.nodes[f.node].netns, f.params["ifname"])


@register
class Netem(Kind):
    """Delay or loss on a node's end of a link (tc netem), where the kernel has sch_netem."""

    name = "netem"

    def inject(self, lab, f):
        f.params["ifname"] = end_of(lab, f.node, f.target)
        wiring.netem(lab.nodes[f.node].netns, f.params["ifname"],
                     float(f.params.get("delay_ms", 0)), float(f.params.get("loss_pct", 0)))

    def restore(self, lab, f):
        wiring.clear_qdisc(lab.nodes[f.node].netns, f.params["ifname"])


class Faults:
    """The faults of one testbed (`tb.faults`; takes the Lab): inject, list, restore."""

    def __init__(self, lab: Lab):
        self.lab = lab

    @property
    def active(self) -> list[Fault]:
        return [Fault(**d) for d in self.lab.state_faults]

    def ls(self) -> list[str]:
        return [f.describe() for f in self.active]

    def inject(self, kind: str, node: str, target: str = "", **params) -> Fault:
        if kind not in FAULTS:
            raise FaultError(f"unknown fault {kind!r}; faults: {', '.join(sorted(FAULTS))}")
        if node not in self.lab.nodes:
            raise FaultError(f"no node {node!r}; nodes: {', '.join(sorted(self.lab.nodes))}")
        f = Fault(kind, node, target, dict(params))
        if any((a.kind, a.node, a.target) == (kind, node, target) for a in self.active):
            raise FaultError(f"{f.describe()} is already injected")
        handle = self.lab.nodes[node]
        if not handle.running or handle.status == "paused":
            held = [a.describe() for a in self.active if a.node == node]
            raise FaultError(f"{node} is {handle.status}" + (
                f" ({'; '.join(held)})" if held else "") + f": no fault can be injected into "
                f"it; restore it first (testbed fault restore --name {self.lab.name})")
        FAULTS[kind].inject(self.lab, f)
        self.lab.state_faults.append(asdict(f))
        self.lab.save()
        journal.record(self.lab.dir, "fault.injected", node, fault=f.describe())
        return f

    def restore(self, f: Fault) -> None:
        """Undo one fault (nothing to do if what it did is already gone) and forget it."""
        kind = FAULTS[f.kind]
        if not kind.undone(self.lab, f):
            kind.restore(self.lab, f)
        self.lab.state_faults[:] = [d for d in self.lab.state_faults
                                   if (d["kind"], d["node"], d["target"]) !=
                                   (f.kind, f.node, f.target)]
        self.lab.save()
        journal.record(self.lab.dir, "fault.restored", f.node, fault=f.describe())

    def restore_all(self) -> int:
        """Undo every active fault, the newest first (a node stopped after one of its daemons
        was stopped comes back first); one that fails does not keep the others in place: they
        are all tried, then the failures are raised together."""
        active, failed = self.active, []
        for f in reversed(active):
            try:
                self.restore(f)
            except Exception as exc:  # noqa: BLE001 - collected, raised below
                failed.append(f"{f.describe()}: {exc}")
        if failed:
            raise FaultError("could not restore " + "; ".join(failed))
        return len(active)

    @contextmanager
    def scoped(self, kind: str, node: str, target: str = "", **params) -> Iterator[Fault]:
        """Any fault kind by name, undone when the block ends."""
        f = self.inject(kind, node, target, **params)
        try:
            yield f
        finally:
            self.restore(f)

    def kill(self, node: str, daemon: str):
        return self.scoped("kill", node, daemon)

    def stop(self, node: str, daemon: str = ""):
        """SIGSTOP a daemon, or stop the whole node when no daemon is named."""
        return self.scoped("stop", node, daemon)

    def pause(self, node: str):
        return self.scoped("pause", node)

    def cut(self, node: str, link: str):
        return self.scoped("cut", node, link)

    def rate(self, node: str, link: str, kbit: int):
        return self.scoped("rate", node, link, kbit=kbit)

    def netem(self, node: str, link: str, delay_ms: float = 0, loss_pct: float = 0):
        return self.scoped("netem", node, link, delay_ms=delay_ms, loss_pct=loss_pct)

    def drop_bfd(self, node: str, link: str = "overlay"):
        return self.scoped("drop-bfd", node, link)
