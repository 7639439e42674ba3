"""What the control plane's daemons say happened, with their own timestamps: RAFT elections in
the NB and SB servers' logs, northd taking and losing its lock. Read after a fault, these put
the cluster's events on the timeline to the millisecond without polling the members.

    2026-12-07T11:39:03.043Z|00003|raft|INFO|term 1: elected leader by 1+ of 1 servers
    2026-12-07T11:39:04.083Z|00024|ovn_northd|INFO|ovn-northd lock acquired. This ovn-northd ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

LOGS = {"nb": "/var/log/ovn/ovnnb_db.log", "sb": "/var/log/ovn/ovnsb_db.log",
        "northd": "/var/log/ovn/ovn-northd.log"}
_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z\|\d+\|(\w+)\|\w+\|(.*)$")
_SAYS = (  # (module, pattern, what it means; {0}... the groups)
    ("raft", re.compile(r"term (\d+): (\d+) ms timeout expired, starting election"),
     "election started (after term {0})"),
    ("raft", re.compile(r"term (\d+): elected leader by"), "elected leader (term {0})"),
    ("raft", re.compile(r"server (\w+) is leader for term (\d+)"), "follows {0} (term {1})"),
    ("raft", re.compile(r"local server ID is (\w+)"), "server ID {0}"),
    ("raft", re.compile(r"(\S+): connection dropped|(\S+): connection closed"),
     "lost a peer"),
    ("ovn_northd", re.compile(r"lock acquired\. This ovn-northd instance is now active"),
     "active"),
    ("ovn_northd", re.compile(r"lock lost\. This ovn-northd instance is now on standby"),
     "standby"),
)


@dataclass(frozen=True)
class Said:
    """One event a daemon logged: when, on which member, which daemon (nb, sb, northd)."""

    t: float
    member: str
    daemon: str
    what: str

    def describe(self) -> str:
        who = "northd" if self.daemon == "northd" else self.daemon.upper()
        return f"{self.member} {who}: {self.what}"


def stamp(text: str) -> float:
    """An OVS log timestamp (UTC) as epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=timezone.utc).timestamp()


def server_ids(said: list[Said]) -> dict[str, str]:
    """(daemon, server ID) -> member, from what each server said of itself at its start."""
    return {f"{s.daemon}:{s.what.split()[-1]}": s.member for s in said
            if s.what.startswith("server ID ")}


def named(said: list[Said]) -> list[Said]:
    """The events with server IDs replaced by the members' names (`follows central-2`); the
    servers' own ID lines left out."""
    ids = server_ids(said)
    out = []
    for s in said:
        if s.what.startswith("server ID "):
            continue
        words = s.what.split(" ")
        if words[0] == "follows":
            words[1] = ids.get(f"{s.daemon}:{words[1]}", words[1])
        out.append(Said(s.t, s.member, s.daemon, " ".join(words)))
    return out


def parse(text: str, member: str, daemon: str, since: float = 0.0) -> list[Said]:
    """The events in one daemon's log at or after `since` (epoch seconds). A peer lost is kept
    once per burst (the servers log it for every connection)."""
    out: list[Said] = []
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        t = stamp(m.group(1))
        if t < since and "local server ID" not in m.group(3):  # IDs are said at the start
            continue
        for module, pattern, what in _SAYS:
            found = pattern.search(m.group(3)) if module == m.group(2) else None
            if found:
                said = Said(t, member, daemon, what.format(*found.groups()))
                if not (out and out[-1].what == said.what == "lost a peer"):
                    out.append(said)
                break
    return out
