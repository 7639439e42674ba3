"""Put a testbed's OVN Northbound database back as it was (per-test isolation).

The central's ovsdb-server keeps the database; `ovsdb-client backup` saves it in the
container and `ovsdb-client restore` replaces the contents with the saved copy (rows get new
UUIDs: ovn-northd recomputes, every chassis catches up, and the testbed waits for that as at
bring-up; the testbed's OVSDB connections are made anew). A test that changed nothing costs
one `ovsdb-client dump` compared.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

from ..lab import Lab
from ..model import Scenario
from ..ovn import readiness

NB_SOCKET = "unix:/run/ovn/ovnnb_db.sock"
# what OVN's daemons write back into NB on their own (connection state, the chassis' progress,
# ports coming up, where a gateway port is hosted): not a test's change, and left out of the
# comparison (ovsdb-server refreshes a listener's status every few seconds, for one)
STATUS_COLUMNS = {
    "Connection": {"is_connected", "status"},
    "NB_Global": {"nb_cfg_timestamp", "sb_cfg", "sb_cfg_timestamp", "hv_cfg", "hv_cfg_timestamp"},
    "Logical_Switch_Port": {"up", "dynamic_addresses"},
    "Logical_Router_Port": {"status", "ipv6_prefix"},
    "BFD": {"status"},
}
_COUNT = itertools.count(1)


@dataclass
class NbBackup:
    file: str  # in the central container
    dump: str  # `ovsdb-client dump` at backup time: unchanged contents need no restore
    scenario: Scenario
    modes: dict[str, str]


def _dump(lab: Lab) -> str:
    """NB's contents as written by clients: one line per table, the status columns dropped."""
    out = lab.nodes[lab.scenario.central].exec(
        ["ovsdb-client", "-f", "json", "dump", NB_SOCKET, "OVN_Northbound"])
    lines = []
    for line in out.splitlines():
        table = json.loads(line)
        name = table["caption"].removesuffix(" table")
        keep = [i for i, h in enumerate(table["headings"]) if h not in STATUS_COLUMNS.get(name, ())]
        rows = sorted(json.dumps([row[i] for i in keep]) for row in table["data"])
        lines.append(f"{name}: {[table['headings'][i] for i in keep]} {rows}")
    return "\n".join(lines)


def backup_nb(lab: Lab) -> NbBackup:
    central = lab.nodes[lab.scenario.central]
    file = f"/tmp/testbed-nb-{next(_COUNT)}.backup"
    central.run(["sh", "-c", 'ovsdb-client backup "$1" OVN_Northbound > "$2"', "backup",
                 NB_SOCKET, file])
    return NbBackup(file, _dump(lab), lab.scenario, dict(lab.modes))


def restore_nb(lab: Lab, saved: NbBackup) -> bool:
    """Restore; returns whether anything had changed. Waits until the chassis are ready again
    (ports bound, gateways bound, BFD up) with the bring-up's deadlines."""
    central = lab.nodes[lab.scenario.central]
    lab.scenario, lab.modes = saved.scenario, saved.modes
    changed = _dump(lab) != saved.dump
    if changed:
        # the restore deletes and re-inserts every row: the Python IDLs are closed first and
        # connect anew (one that follows it sees rows referring to rows it dropped)
        lab.close_db()
        central.run(["sh", "-c", 'ovsdb-client restore "$1" < "$2"', "restore", NB_SOCKET,
                     saved.file])
        readiness.chassis_caught_up(lab.scenario, lab.nodes, 60)
        readiness.wait_all(lab.scenario, lab.nodes, lab.nb, lab.sb, lambda _: None)
    central.run(["rm", "-f", saved.file], check=False)
    return changed
