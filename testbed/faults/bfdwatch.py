"""BFD sessions as they change, on every chassis: `ovsdb-client monitor` of the local
Open_vSwitch database (Interface bfd_status), timestamped by the server's updates.

    with BfdWatch(lab) as bfd:
        ...                        # inject a fault, wait for the failover
    bfd.changes                    # [BfdChange(t, chassis, peer, tunnel, state, ...)]

The monitor runs inside each chassis (the database listens on a unix socket only); its output
is read when the block ends. A chassis that was stopped meanwhile keeps its file (the
container's filesystem survives a stop).
"""

from __future__ import annotations

import csv
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..ovn import readiness

if TYPE_CHECKING:
    from ..lab import Lab

DB = "unix:/run/openvswitch/db.sock"  # a chassis' own Open_vSwitch database
MONITOR = ('echo $$ > "$1"; exec ovsdb-client monitor --timestamp --format=csv '
           f'{DB} Open_vSwitch Interface name,bfd_status > "$2" 2>&1')
"""Values come in as positional parameters, never formatted into the script."""
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$")
_PAIR = re.compile(r'(\w+)=(?:"([^"]*)"|([^,}\s]*))')


@dataclass(frozen=True)
class BfdChange:
    """One BFD session's new state, seen on `chassis` for its tunnel to `peer`."""

    t: float
    chassis: str
    peer: str
    tunnel: str
    state: str
    remote_state: str
    diagnostic: str
    flap_count: int

    def describe(self) -> str:
        why = f", {self.diagnostic}" if self.state != "up" and \
            self.diagnostic not in ("", "No Diagnostic") else ""
        return (f"BFD {self.state} on {self.chassis} towards {self.peer} ({self.tunnel}{why}, "
                f"remote {self.remote_state}, flaps {self.flap_count})")


def parse_map(text: str) -> dict[str, str]:
    """An OVSDB map as ovsdb-client prints it: {a="x y", b=z}."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _PAIR.finditer(text)}


def parse(text: str, chassis: str, peers: dict[str, str]) -> list[BfdChange]:
    """`ovsdb-client monitor --timestamp --format=csv` output -> the state changes of BFD
    sessions (the initial rows give the starting state, not a change). `peers`: tunnel
    interface name -> the chassis it leads to."""
    now, names, last, out, prev_uid = 0.0, {}, {}, [], ""
    for line in text.splitlines():
        if _STAMP.match(line.strip()):
            now = datetime.fromisoformat(line.strip()).replace(tzinfo=timezone.utc).timestamp()
            continue
        row = next(csv.reader([line]), [])
        if len(row) != 4:
            continue
        uid, action, name, status = row
        uid = prev_uid = uid or prev_uid  # a modification: "old" row with the uuid, then "new"
        if action not in ("initial", "insert", "new"):
            continue
        names[uid] = name or names.get(uid, "")
        bfd = parse_map(status) if status else {}
        if "state" not in bfd:
            continue
        tunnel = names[uid]
        if action != "initial" and last.get(tunnel) != bfd["state"]:
            out.append(BfdChange(now, chassis, peers.get(tunnel, "?"), tunnel, bfd["state"],
                                 bfd.get("remote_state", ""), bfd.get("diagnostic", ""),
                                 int(bfd.get("flap_count", "0") or 0)))
        last[tunnel] = bfd["state"]
    return out


@dataclass
class BfdWatch:
    lab: Lab
    chassis: list[str] = field(default_factory=list)
    changes: list[BfdChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chassis = self.chassis or list(self.lab.scenario.chassis)
        self.tag = uuid.uuid4().hex[:8]
        self.peers: dict[str, dict[str, str]] = {}

    def _files(self) -> tuple[str, str]:
        return f"/tmp/bfd-{self.tag}.pid", f"/tmp/bfd-{self.tag}.csv"

    def __enter__(self) -> BfdWatch:
        ips = {c: self.lab.nodes[c].address("overlay").ip for c in self.chassis}
        by_ip = {ip: c for c, ip in ips.items()}
        for c in self.chassis:
            self.peers[c] = {t["name"]: by_ip.get(t["remote_ip"], t["remote_ip"])
                             for t in readiness.tunnels(self.lab.nodes[c])}
            self.lab.nodes[c].spawn(["sh", "-c", MONITOR, "sh", *self._files()])
        return self

    def __exit__(self, *exc) -> None:
        for c in self.chassis:
            node = self.lab.nodes[c]
            pidfile, out = self._files()
            if not node.running:
                continue
            pid = node.run(["cat", pidfile], check=False).stdout.strip()
            if pid.isdigit():
                node.run(["kill", pid], check=False)
            text = node.run(["cat", out], check=False).stdout
            node.run(["rm", "-f", pidfile, out], check=False)
            self.changes += parse(text, c, self.peers[c])
        self.changes.sort(key=lambda ch: ch.t)

    def to_json(self) -> list[dict]:
        return [asdict(ch) for ch in self.changes]
