"""Record the walk fixtures of tests/unit/test_walk_offline.py from a running testbed.

    .venv/bin/python tests/data/walks/record.py NAME      # NAME: a seed testbed that is up

Each fixture keeps what a walk needs to be rebuilt offline: the merged pcapng (every capture,
interface per frame, nanosecond timestamps), the mark and the link inventory; plus the
ofproto/trace and ovn-trace texts of the tunnelled walk for the parser tests.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from testbed.net import Testbed

HERE = Path(__file__).resolve().parent
WALKS = {"vlan-vm1-vm4": ("vm1", "vm4", "icmp", None),
         "geneve-vm1-ext": ("vm1", "ext", "tcp", 22),
         "absent-vm1": ("vm1", "10.10.0.99", "icmp", None)}


def main(name: str) -> None:
    tb = Testbed.attach(name, progress=lambda _: None)
    for fixture, (src, dst, proto, port) in WALKS.items():
        w = tb.walk(src, dst, proto, port)
        out = HERE / fixture
        out.mkdir(exist_ok=True)
        shutil.copy(w.folder / "walk.pcapng", out / "walk.pcapng")
        full = json.loads((w.folder / "walk.json").read_text())
        keep = {k: full[k] for k in ("source", "destination", "mark", "links", "names")}
        keep["expected"] = {leg: {"path": full[leg]["path"], "routed_by": full[leg]["routed_by"],
                                  "crossed_overlay": full[leg]["crossed_overlay"]}
                            for leg in ("request", "reply")}
        (out / "walk.json").write_text(json.dumps(keep, indent=1))
        for key, t in w.traces.items():
            (out / (key.replace("/", "-").replace(" ", "-") + ".txt")).write_text(t.text)
        print(fixture, full["request"]["path"], full["reply"]["path"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "l3-over-vlan")
