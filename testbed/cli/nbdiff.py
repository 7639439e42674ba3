"""What Neutron wrote into NB against what the emulation writes, for one scenario file.

    testbed up packstack-allinone --name emu
    testbed up packstack-allinone --neutron --name real
    testbed nbdiff emu real            # object, column, emulation | Neutron
    testbed nbdiff emu real --json

Objects are matched by the role the scenario gives them (switch private, port vm1, gateway port
router1/public, group web, nat dnat_and_snat router1:10.0.0.0/24), option columns key by key,
names inside values replaced by roles; row counts of address sets, DHCP options, static routes
and HA chassis groups are compared too. Each difference carries why Neutron and the emulation
differ there, where that is known; the exit status is 1 while any is unexplained.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..lab import Lab
from ..nbdiff import compare, render, unexplained


def add_parser(p) -> None:
    p.add_argument("emulated", help="a testbed of the scenario without Neutron")
    p.add_argument("neutron", help="a testbed of the same scenario with settings.neutron")
    p.add_argument("--json", action="store_true", help="the differences as JSON")


def run(args) -> int:
    runs = Path(args.runs)
    emulated, neutron = (Lab.load(n, runs, lambda _: None) for n in (args.emulated, args.neutron))
    if not neutron.scenario.neutron_ids:
        raise ValueError(f"testbed {args.neutron} was not built by Neutron: bring it up with "
                         "--neutron (or settings.neutron: true)")
    rows = compare(emulated, neutron)
    print(json.dumps([asdict(r) for r in rows], indent=1) if args.json else render(rows))
    return 1 if unexplained(rows) else 0
