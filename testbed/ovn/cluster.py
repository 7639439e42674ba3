"""The control plane's members: one central, or NB and SB RAFT clusters of several. The one home
of how a client reaches NB and SB, of forming the clusters and of reading their state.

    remotes(sc, nodes, "sb")      # tcp:IP:6642 of every member, for ovn-controller and northd
    tool(sc, nodes, "ovn-nbctl")  # argv of a DB tool run in the central: the local socket, or
                                  # every member (the tool finds the leader)
    form(sc, nodes, progress)     # `node-init cluster` on each member, then wait until joined
    status(node, "nb")            # one member's view: role, term, leader, election timer
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from .. import names, wait
from ..model import Scenario
from ..parallel import each
from ..runtime.base import Node
from . import pki

DATABASES = {"nb": ("ovnnb_db", "OVN_Northbound"), "sb": ("ovnsb_db", "OVN_Southbound")}
RAFT_PORTS = {"nb": 6643, "sb": 6644}
"""where members talk RAFT to each other (on their management addresses; node-init's)"""
TOOLS = {"ovn-nbctl": "nb", "ovn-sbctl": "sb", "ovn-trace": "sb"}
JOIN_TIMEOUT = 90.0


def socket(database: str) -> str:
    """The database's unix socket in a central node."""
    return f"unix:/run/ovn/{DATABASES[database][0]}.sock"


def ctl(database: str) -> str:
    """The database server's control socket in a central node (ovn-appctl -t)."""
    return f"/run/ovn/{DATABASES[database][0]}.ctl"


def remotes(sc: Scenario, nodes: dict[str, Node], database: str) -> str:
    """Every member's TCP remote of `database`, comma-separated (OVSDB clients try them in turn
    and, for a cluster, stay with the leader)."""
    proto = "ssl" if sc.settings.tls else "tcp"
    return ",".join(names.db_remote(nodes[c].address("mgmt").ip, database, proto)
                    for c in sc.centrals)


def chassis_remotes(sc: Scenario, nodes: dict[str, Node]) -> str:
    """SB as the chassis reach it (their ovn-remote): its relays when it has any, else every
    member."""
    if not sc.relays:
        return remotes(sc, nodes, "sb")
    proto = "ssl" if sc.settings.tls else "tcp"
    return ",".join(names.db_remote(nodes[r].address("mgmt").ip, "sb", proto)
                    for r in sc.relays)


def start_relays(sc: Scenario, nodes: dict[str, Node], progress: Callable[[str], None]) -> None:
    """Each SB relay serving SB from every member, side by side; waited for until each is
    connected to SB (`ovsdb-client wait`: the relay's own _Server database says so)."""
    started, upstream = time.monotonic(), remotes(sc, nodes, "sb")

    def start(r: str):
        nodes[r].exec(["node-init", "relay-start", nodes[r].address("mgmt").ip, upstream])
        return nodes[r].run(["ovsdb-client", f"--timeout={int(JOIN_TIMEOUT)}", "wait",
                             socket("sb"), DATABASES["sb"][1], "connected"], check=False)
    late = [r for r, got in zip(sc.relays, each(start, sc.relays), strict=True) if not got.ok]
    if late:
        raise wait.WaitTimeout(f"timed out after {JOIN_TIMEOUT:.0f} s waiting for SB relays to "
                               f"connect to SB; still missing: {', '.join(late)} "
                               f"(see `testbed logs {late[0]}`)")
    progress(f"  {len(sc.relays)} SB relay(s) serving the chassis "
             f"({time.monotonic() - started:.2f} s)")


def tool(sc: Scenario, nodes: dict[str, Node], argv0: str) -> list[str]:
    """The start of a DB tool's argv run in a central node: standalone, the tool's own default
    (the local socket); clustered, `--db=` every member, so it reaches the leader from any."""
    if not sc.clustered:
        return [argv0]
    tls = pki.OPTIONS if sc.settings.tls else []
    return [argv0, f"--db={remotes(sc, nodes, TOOLS[argv0])}", *tls]


def form(sc: Scenario, nodes: dict[str, Node], progress: Callable[[str], None],
         election_timer_ms: int | None = None) -> float:
    """Start every member's NB and SB servers and northd (the first creates the clusters, the
    others join it), wait until each database on each member is connected to its cluster
    (`ovsdb-client wait ... connected`: the server says so, no polling here), then set the
    election timer on the leaders. Returns the seconds it took."""
    started = time.monotonic()
    ips = [nodes[c].address("mgmt").ip for c in sc.centrals]
    each(lambda c: nodes[c].exec(["node-init", "cluster", nodes[c].address("mgmt").ip, *ips]),
         sc.centrals)

    def joined(c: str):
        argv = [["ovsdb-client", f"--timeout={int(JOIN_TIMEOUT)}", "wait", socket(db),
                 DATABASES[db][1], "connected"] for db in DATABASES]
        return nodes[c].run_all(argv, check=False)
    late = [c for c, r in zip(sc.centrals, each(joined, sc.centrals), strict=True) if not r.ok]
    if late:
        raise wait.WaitTimeout(f"timed out after {JOIN_TIMEOUT:.0f} s waiting for the NB and SB "
                               f"clusters to form; still missing: {', '.join(late)} joined "
                               f"(see `testbed logs {late[0]}`)")
    if election_timer_ms is not None:
        for db in DATABASES:
            set_election_timer(sc, nodes, db, election_timer_ms)
    seconds = time.monotonic() - started
    progress(f"  NB and SB clusters of {len(ips)} members formed ({seconds:.2f} s)")
    return seconds


@dataclass(frozen=True)
class Member:
    """One member's view of a database's cluster (`cluster/status`)."""

    node: str
    database: str
    status: str  # "cluster member", "joining cluster", "disconnected from the cluster ..."
    role: str  # leader, follower, candidate
    term: int
    leader: str  # "self", a server ID, or "unknown"
    election_timer_ms: int
    servers: int

    @property
    def is_leader(self) -> bool:
        return self.role == "leader"


def parse_status(node: str, database: str, text: str) -> Member:
    """`ovn-appctl -t DB.ctl cluster/status NAME` output, as a Member."""
    def field(name: str, default: str = "") -> str:
        found = re.search(rf"^{name}: (.*)$", text, re.M)
        return found.group(1).strip() if found else default
    servers = text.split("Servers:", 1)[1] if "Servers:" in text else ""
    return Member(node, database, field("Status"), field("Role"), int(field("Term", "0") or 0),
                  field("Leader", "unknown"), int(field("Election timer", "0") or 0),
                  len(re.findall(r"^\s+\S+ \(\S+ at ", servers, re.M)))


def status(node: Node, database: str) -> Member | None:
    """This member's view of `database`'s cluster; None when its server does not answer."""
    result = node.run(["ovn-appctl", "-t", ctl(database), "cluster/status",
                       DATABASES[database][1]], check=False)
    return parse_status(node.name, database, result.stdout) if result.ok else None


def members(sc: Scenario, nodes: dict[str, Node], database: str) -> list[Member | None]:
    """Each member's view of `database`, in the scenario's order (None: not answering)."""
    return each(lambda c: status(nodes[c], database), sc.centrals)


def leader(sc: Scenario, nodes: dict[str, Node], database: str) -> str | None:
    """The member that says it leads `database` now (None: no leader, or none answers)."""
    found = [m.node for m in members(sc, nodes, database) if m is not None and m.is_leader]
    return found[0] if found else None


def northd(node: Node) -> str:
    """A member's ovn-northd: active, standby, paused, or "down" when it does not answer."""
    got = node.run(["ovn-appctl", "-t", "ovn-northd", "status"], check=False)
    found = re.search(r"Status: (\w+)", got.stdout)
    return found.group(1) if got.ok and found else "down"


def overview(sc: Scenario, nodes: dict[str, Node]) -> list[dict]:
    """Per member: its view of NB and SB (role, term, leader, status) and its northd, JSON-able
    (`testbed cluster`, `testbed show`); then each SB relay (`relay: True`), connected or not.
    A member that does not answer reads as down."""
    def one(c: str) -> dict:
        row: dict = {"member": c, "address": nodes[c].address("mgmt").ip}
        for db in DATABASES:
            if not sc.clustered:  # a standalone server has no cluster to report
                row[db] = {"role": "standalone", "term": 0, "leader": "", "status": "-",
                           "servers": 1, "election_timer_ms": 0}
                continue
            m = status(nodes[c], db)
            row[db] = None if m is None else {"role": m.role, "term": m.term, "leader": m.leader,
                                              "status": m.status, "servers": m.servers,
                                              "election_timer_ms": m.election_timer_ms}
        row["northd"] = northd(nodes[c])
        return row

    def relay(r: str) -> dict:
        up = nodes[r].run(["ovsdb-client", "--timeout=2", "wait", socket("sb"),
                           DATABASES["sb"][1], "connected"], check=False).ok
        return {"member": r, "address": nodes[r].address("mgmt").ip, "relay": True,
                "nb": {"role": "-", "term": 0, "leader": "", "status": "-", "servers": 0,
                       "election_timer_ms": 0},
                "sb": {"role": "relay", "term": 0, "leader": "", "servers": 0,
                       "status": "connected" if up else "not connected", "election_timer_ms": 0},
                "northd": "-"}
    return each(one, sc.centrals) + each(relay, sc.relays)


def set_election_timer(sc: Scenario, nodes: dict[str, Node], database: str, ms: int) -> None:
    """Change `database`'s election timer on its leader. OVSDB takes at most a doubling per
    change, so a longer timer is reached in steps; each step waits for the leader to say so."""
    def current() -> Member:
        found = [m for m in members(sc, nodes, database) if m is not None and m.is_leader]
        if not found:
            raise wait.NotYet(f"no {database.upper()} leader")
        return found[0]
    holder: list[Member] = []

    def leader_known() -> list[str]:
        holder[:] = [current()]
        return []
    for _ in range(32):  # 100 ms doubled 13 times passes OVSDB's 600000 ms limit
        wait.until(f"a {database.upper()} leader", leader_known, JOIN_TIMEOUT, interval=0.1)
        now = holder[0]
        if now.election_timer_ms == ms:
            return
        step = ms if ms < now.election_timer_ms else min(ms, now.election_timer_ms * 2)
        nodes[now.node].exec(["ovn-appctl", "-t", ctl(database), "cluster/change-election-timer",
                              DATABASES[database][1], str(step)])
        wait.until(f"{database.upper()}'s election timer at {step} ms",
                   lambda s=step: [] if current().election_timer_ms == s else [f"{s} ms"],
                   JOIN_TIMEOUT, interval=0.1)
