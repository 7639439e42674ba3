"""What happens in a running testbed, as it happens: one Event per change, from every source.

    with EventStream(lab) as stream:
        for event in stream.events(seconds=60):      # until then, or stream.stop()
            print(event.to_json())

Sources, each in a thread of its own:
- the journal (observe/journal.py): faults injected and restored, walks started and finished,
  by this process or another one (`testbed fault`, `testbed walk`);
- Southbound, by OVSDB events (never polled): a gateway port bound to another chassis, a
  chassis registered or gone;
- each chassis' Open_vSwitch database, by `ovsdb-client monitor`: BFD sessions changing state;
- each node's links, by `ip monitor link`: an interface going down or up (a cut, a peer
  stopped); a VM's link shows at its chassis' end;
- the runtime's node states, asked once a second: a node stopped, paused, running again;
- the ToR's MAC table, read twice a second: a MAC seen on another port (a move).
"""

from __future__ import annotations

import queue
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ovsdbapp.backend.ovs_idl.event import RowEvent

from ..faults import bfdwatch
from ..ovn import readiness
from ..parallel import each
from . import journal

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..lab import Lab

LINK = re.compile(r"^\d+:\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>")
TOR_EVERY, NODES_EVERY, SETTLE = 0.5, 1.0, 1.0


@dataclass
class Event:
    t: float
    kind: str  # fault.injected, gateway.moved, bfd.down, link.down, node.paused, mac.moved...
    node: str | None = None
    detail: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        stamp = datetime.fromtimestamp(self.t, timezone.utc).isoformat(timespec="milliseconds")
        return {"time": stamp, "t": round(self.t, 3), "kind": self.kind, "node": self.node,
                **self.detail}

    def line(self) -> str:
        clock = datetime.fromtimestamp(self.t).strftime("%H:%M:%S.%f")[:-3]
        rest = " ".join(f"{k}={v}" for k, v in self.detail.items() if v not in (None, ""))
        return f"{clock}  {self.kind:<18} {self.node or '':<14} {rest}"


def _link_states(text: str) -> list[tuple[str, bool]]:
    """`ip -o link` lines -> (interface, up with carrier); a deleted one is down."""
    out = []
    for line in text.splitlines():
        gone = line.startswith("Deleted ")
        found = LINK.match(line.removeprefix("Deleted ").strip())
        if found:
            flags = found.group(2).split(",")
            out.append((found.group(1), not gone and "UP" in flags and "LOWER_UP" in flags))
    return out


class _GatewayMoves(RowEvent):
    def __init__(self, emit):
        super().__init__((self.ROW_UPDATE,), "Port_Binding", None)
        self.emit = emit

    def match_fn(self, event, row, old):
        return row.type == "chassisredirect" and hasattr(old, "chassis")

    def run(self, event, row, old):
        new = row.chassis[0].name if row.chassis else None
        was = old.chassis[0].name if old.chassis else None
        self.emit(Event(time.time(), "gateway.moved", new,
                        {"port": row.logical_port, "from": was, "to": new}))


class _Chassis(RowEvent):
    def __init__(self, emit):
        super().__init__((self.ROW_CREATE, self.ROW_DELETE), "Chassis", None)
        self.emit = emit

    def run(self, event, row, old):
        kind = "chassis.registered" if event == self.ROW_CREATE else "chassis.gone"
        self.emit(Event(time.time(), kind, row.name))


class EventStream:
    """Start every source on entry, end them all on exit (threads joined, processes ended)."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self.queue: queue.Queue[Event] = queue.Queue()
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.procs: list = []
        self.sb_events: list[RowEvent] = []
        self.sources: list[str] = []
        self.problems: list[str] = []  # sources that could not start, and why
        self.node_stream = None
        self.links_at_start: dict[str, dict[str, bool]] = {}  # then as last seen
        self.links_lock = threading.Lock()

    def emit(self, event: Event) -> None:
        self.queue.put(event)

    def stop(self) -> None:
        self.stopped.set()

    def _thread(self, name: str, target, *args) -> None:
        t = threading.Thread(target=target, args=args, name=f"events-{name}", daemon=True)
        t.start()
        self.threads.append(t)
        self.sources.append(name)

    def __enter__(self) -> EventStream:
        self._thread("journal", self._journal)
        try:
            for ev in (_GatewayMoves(self.emit), _Chassis(self.emit)):
                self.lab.sb.watch(ev)
                self.sb_events.append(ev)
            self.sources.append("southbound")
        except Exception as exc:  # noqa: BLE001 - SB down: the other sources still run
            self.problems.append(f"southbound: {exc}")
        for node in self.lab.scenario.chassis:
            self._started(f"bfd {node}", node, ["ovsdb-client", "monitor", "--timestamp",
                                                "--format=csv", bfdwatch.DB, "Open_vSwitch",
                                                "Interface", "name,bfd_status"], self._bfd)
        linked = [n for n in self.lab.nodes if n not in self.lab.scenario.vms]
        # each node's links as they are before anything is followed: a change made right after
        # this returns is then a change, whenever its monitor starts reading
        self.links_at_start = dict(zip(linked, each(self._link_state, linked), strict=True))
        for node in linked:
            self._started(f"links {node}", node, ["ip", "-o", "monitor", "link"], self._links)
        self._thread("links settle", self._links_settle, linked)
        if getattr(self.lab.backend, "node_events", None):  # the engine says it as it happens
            self.node_stream = self.lab.backend.node_events(self.lab.name)
            self._thread("node events", self._node_events, self.node_stream)
        self._thread("nodes", self._nodes)
        self._thread("tor", self._tor)
        return self

    def _started(self, name: str, node: str, argv: list[str], reader) -> None:
        handle = self.lab.nodes.get(node)
        try:
            proc = handle.stream(argv)
        except Exception as exc:  # noqa: BLE001 - a node that is down has nothing to say
            self.problems.append(f"{name}: {exc}")
            return
        self.procs.append(proc)
        self._thread(name, reader, node, proc)

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        if self.node_stream is not None:
            self.node_stream.close()
        for ev in self.sb_events:
            try:
                self.lab.sb.unwatch(ev)
            except Exception:  # noqa: BLE001, S110 - its connection is gone already
                pass
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - one that does not end is killed
                proc.kill()
        for t in self.threads:
            t.join(timeout=5)

    def events(self, seconds: float) -> Iterator[Event]:
        """Events as they come, for at most `seconds` or until stop()."""
        end = time.monotonic() + seconds
        while not self.stopped.is_set() and time.monotonic() < end:
            try:
                yield self.queue.get(timeout=min(0.2, max(0.01, end - time.monotonic())))
            except queue.Empty:
                continue

    # --- sources ---------------------------------------------------------------------------

    def _journal(self) -> None:
        for d in journal.follow(self.lab.dir, self.stopped):
            detail = {k: v for k, v in d.items() if k not in ("t", "kind", "node")}
            self.emit(Event(d.get("t", time.time()), d.get("kind", "?"), d.get("node"), detail))

    def _bfd(self, node: str, proc) -> None:
        peers = {}
        try:
            by_ip = {self.lab.nodes[c].address("overlay").ip: c for c in self.lab.scenario.chassis}
            peers = {t["name"]: by_ip.get(t["remote_ip"], t["remote_ip"])
                     for t in readiness.tunnels(self.lab.nodes[node])}
        except Exception:  # noqa: BLE001, S110 - tunnels named by interface then
            pass
        text, told = "", 0
        for line in proc.stdout:
            text += line
            changes = bfdwatch.parse(text, node, peers)
            for ch in changes[told:]:
                why = ch.diagnostic if ch.state != "up" else ""  # the last one lingers
                self.emit(Event(ch.t, f"bfd.{ch.state}", node,
                                {"peer": ch.peer, "tunnel": ch.tunnel,
                                 "remote_state": ch.remote_state, "diagnostic": why}))
            told = len(changes)

    def _link_state(self, node: str) -> dict[str, bool]:
        try:
            return dict(_link_states(self.lab.nodes[node].run(["ip", "-o", "link", "show"],
                                                              check=False).stdout))
        except Exception:  # noqa: BLE001 - a node that is down: its links are learnt as they come
            return {}

    def _link_changed(self, node: str, ifname: str, up: bool) -> None:
        with self.links_lock:
            state = self.links_at_start.setdefault(node, {})
            was, state[ifname] = state.get(ifname), up
        if was is not None and was != up:
            self.emit(Event(time.time(), "link.up" if up else "link.down", node,
                            {"interface": ifname}))

    def _links(self, node: str, proc) -> None:
        """A change of a link's state (up and carrier) against what it was when the stream
        started; messages that change neither (promiscuity, a capture) say nothing."""
        for line in proc.stdout:
            for ifname, up in _link_states(line):
                self._link_changed(node, ifname, up)

    def _links_settle(self, nodes: list[str]) -> None:
        """`ip monitor` hears of changes only once it has subscribed, a moment after it
        starts: the links are read once more after SETTLE seconds, and what changed before
        a monitor listened is said then."""
        if self.stopped.wait(SETTLE):
            return
        for node, now in zip(nodes, each(self._link_state, nodes), strict=True):
            for ifname, up in now.items():
                self._link_changed(node, ifname, up)

    def _node_events(self, stream) -> None:
        for t, node, state in stream:
            self.emit(Event(t, f"node.{state}", node))

    def _nodes(self) -> None:
        """Polled where the runtime has no event stream; here too the testbed's end is seen."""
        last: dict[str, str] = {}
        while not self.stopped.wait(NODES_EVERY if last else 0):
            found = self.lab.backend.states().get(self.lab.name)
            if not found:
                self.emit(Event(time.time(), "testbed.gone", None, {"testbed": self.lab.name}))
                self.stopped.set()
                return
            now = {node: status for node, status, _ in found}
            for node, status in now.items():
                if last and last.get(node) != status and not self.node_stream:
                    self.emit(Event(time.time(), f"node.{status}", node,
                                    {"was": last.get(node)}))
            last = now

    def _tor(self) -> None:
        where: dict[tuple[int, str], str] = {}
        while not self.stopped.wait(TOR_EVERY if where else 0):
            try:
                table = self.lab.tor.fdb()
            except Exception:  # noqa: BLE001 - the ToR stopped: its table comes back with it
                continue
            for e in table:
                key, was = (e.vlan, e.mac), where.get((e.vlan, e.mac))
                if was is not None and was != e.port:
                    self.emit(Event(time.time(), "mac.moved", self.lab.scenario.tor,
                                    {"vlan": e.vlan, "mac": e.mac, "from": was, "to": e.port}))
                where[key] = e.port
