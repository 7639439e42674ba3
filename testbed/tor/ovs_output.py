"""What `ovs-appctl fdb/show` and `fdb/stats-show` print about the OVS ToR's MAC table, parsed
(the ToR itself and its timeline both read it)."""

from __future__ import annotations

import re

from .base import FdbEntry

_FDB_LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+([0-9a-f:]{17})\s+(\d+)\s*$")
MOVED = re.compile(r"port moved MAC entries\s*:\s*(\d+)")


def parse_fdb(text: str, port_names: dict[str, str]) -> list[FdbEntry]:
    """Parse `ovs-appctl fdb/show`; `port_names` maps OpenFlow port numbers to names."""
    entries = []
    for line in text.splitlines():
        m = _FDB_LINE.match(line)
        if m:
            port, vlan, mac, age = m.groups()
            entries.append(FdbEntry(int(vlan), mac, port_names.get(port, port), int(age)))
    return sorted(entries)


def parse_moves(text: str) -> int:
    m = MOVED.search(text)
    if not m:
        raise ValueError(f"no 'port moved MAC entries' counter in fdb/stats-show output: {text!r}")
    return int(m.group(1))
