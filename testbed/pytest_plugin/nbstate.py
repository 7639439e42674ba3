"""Put a testbed's OVN Northbound database back as it was (per-test isolation).

The central's ovsdb-server keeps the database; `ovsdb-client backup` saves it in the
container and `ovsdb-client restore` replaces the contents with the saved copy (rows get new
UUIDs: ovn-northd recomputes, every chassis catches up, and the testbed waits for that as at
bring-up; the testbed's OVSDB connections are made anew). A test that changed nothing costs
one `ovsdb-client dump` compared.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..lab import Lab
from ..model import Scenario
from ..ovn import readiness

NB_SOCKET = "unix:/run/ovn/ovnnb_db.sock"
_COUNT = itertools.count(1)


@dataclass
class NbBackup:
    file: str  # in the central container
    dump: str  # `ovsdb-client dump` at backup time: unchanged contents need no restore
    scenario: Scenario
    modes: dict[str, str]


def _dump(lab: Lab) -> str:
    return lab.nodes[lab.scenario.central].exec(["ovsdb-client", "dump", NB_SOCKET, "OVN_Northbound"])


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
