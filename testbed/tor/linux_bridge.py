"""ToR as a Linux bridge with VLAN filtering, where the kernel has it.

The kernel keeps no MAC-move counter, so `bridge monitor fdb` runs in the background from setup
on, and moves are counted from its event log.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from .base import BRIDGE, FdbEntry, Tor

EVENTS = "/run/tor-fdb-events.log"
_EVENT = re.compile(r"^(?P<deleted>Deleted )?(?P<mac>[0-9a-f:]{17}) dev (?P<dev>\S+)"
                    r"(?: vlan (?P<vlan>\d+))?")


def parse_fdb(text: str, ports: list[str]) -> list[FdbEntry]:
    """Parse `bridge -j -s fdb show br tor`; keep learned entries on the trunk ports."""
    entries = []
    for e in json.loads(text or "[]"):
        flags = set(e.get("flags", [])) | {e.get("state", "")}
        if e.get("ifname") not in ports or "permanent" in flags or "static" in flags:
            continue
        if "self" in flags or "vlan" not in e:
            continue
        entries.append(FdbEntry(int(e["vlan"]), e["mac"], e["ifname"], int(e.get("updated", 0))))
    return sorted(entries)


def count_moves(events: str, ports: list[str]) -> int:
    """Count how often a (VLAN, MAC) was learned on a port other than the one it was on."""
    where: dict[tuple[str, str], str] = {}
    moves = 0
    for line in events.splitlines():
        m = _EVENT.match(line.strip())
        if not m or m["dev"] not in ports:
            continue
        key = (m["vlan"] or "0", m["mac"])
        if m["deleted"]:
            where.pop(key, None)
            continue
        if key in where and where[key] != m["dev"]:
            moves += 1
        where[key] = m["dev"]
    return moves


class LinuxBridgeTor(Tor):
    kind = "linux-bridge"

    def setup(self) -> None:
        cmds = [["ip", "link", "add", BRIDGE, "type", "bridge", "vlan_filtering", "1",
                 "vlan_default_pvid", "0"]]
        for port in self.ports:
            cmds += self._trunk(port)
        cmds.append(["ip", "link", "set", BRIDGE, "up"])
        self.node.run_all(cmds)
        # the one shell line left: a redirection to the event log, with constant words only
        self.node.spawn(["sh", "-c", f"exec bridge -timestamp monitor fdb > {EVENTS} 2>&1"])

    def _trunk(self, port: str) -> list[list[str]]:
        return [["ip", "link", "set", port, "master", BRIDGE],
                *(["bridge", "vlan", "add", "dev", port, "vid", str(vid)] for vid in self.vlans)]

    def reattach(self, ports: list[str]) -> None:
        if ports:
            self.node.run_all([c for port in ports for c in self._trunk(port)])

    def fdb(self) -> list[FdbEntry]:
        return [replace(e, port=self.peer_of.get(e.port, e.port)) for e in parse_fdb(
            self.node.exec(["bridge", "-j", "-s", "fdb", "show", "br", BRIDGE]), self.ports)]

    def mac_moves(self) -> int:
        return count_moves(self.node.exec(["cat", EVENTS]), self.ports)

    def _watch_start(self, max_seconds: float) -> int:
        return int(self.node.exec(["stat", "-c", "%s", EVENTS]).strip() or 0)

    def _watch_stop(self, token) -> list:
        from .timeline import moves_from_monitor

        text = self.node.exec(["tail", "-c", f"+{int(token) + 1}", EVENTS])
        moves = [replace(m, src=self.peer_of.get(m.src, m.src), dst=self.peer_of.get(m.dst, m.dst))
                 for m in moves_from_monitor(text, self.ports)]
        return moves, [(m.t, 1) for m in moves]

    def flush(self) -> None:
        if not self.node.run(["bridge", "fdb", "flush", "dev", BRIDGE, "dynamic"], check=False).ok:
            self.node.exec(["ip", "link", "set", BRIDGE, "type", "bridge", "fdb_flush"])
