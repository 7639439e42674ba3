"""Neutron's own consistency check on a testbed built by Neutron: neutron-ovn-db-sync-util in
log mode (it changes nothing), each warning with why it needs no repair where the testbed can
tell (checked on the testbed: see testbed/neutron_sync.py).

    testbed dbsync --name mine      # exit status 1 while any warning is a repair to make
"""

from __future__ import annotations

from .. import neutron_sync
from . import pick


def add_parser(p) -> None:
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=lambda _: None)
    findings = neutron_sync.check(tb.lab)
    for f in findings:
        print(f"{'explained' if f.why else 'REPAIR'}: {f.text}")
        if f.why:
            print(f"    why: {f.why}")
    repairs = [f for f in findings if not f.why]
    print(f"{len(findings)} warning(s), {len(repairs)} repair(s) to make")
    return 1 if repairs else 0
