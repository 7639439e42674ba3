"""What a failed test leaves for a person to look at: the state of every testbed it used.

    <artefacts>/<test>/<testbed>/
        ovn-nbctl-show.txt  ovn-sbctl-show.txt      the logical and the bound topology
        nodes/<node>/container.log                  the node's console (docker logs)
        nodes/<node>/ovn/*.log, openvswitch/*.log   the daemons' logs
        nodes/<node>/ovs-vsctl-show.txt, bfd.txt    each chassis' and the ToR's switches
        run/                                        the run folder: state, walks with pcaps,
                                                    captures, reports
"""

from __future__ import annotations

import io
import re
import shutil
import tarfile
from pathlib import Path

from ..errors import NodeNotRunning
from ..lab import Lab

LOG_DIRS = ("/var/log/ovn", "/var/log/openvswitch")


def folder_for(root: Path, nodeid: str) -> Path:
    """A folder name for a test id (tests/test_x.py::test_y[a-b] -> tests.test_x.py-test_y-a-b)."""
    return root / re.sub(r"[^A-Za-z0-9_.=+-]+", "-", nodeid.replace("/", ".")).strip("-")[:150]


def collect(lab: Lab, dest: Path) -> list[Path]:
    """Save the testbed's state under `dest`; returns the files written. Never raises for one
    missing piece (a stopped node, a dead daemon): what cannot be read is noted in its place."""
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)

    central = lab.nodes.get(lab.scenario.central)
    for tool in ("ovn-nbctl", "ovn-sbctl"):
        save(dest / f"{tool}-show.txt", _output(central, [*lab.tool(tool), "show"]))
    chassis = set(lab.scenario.chassis)  # by the scenario's roles (a node's own label holds
    switches = chassis | {lab.scenario.tor}  # gateway/compute/tor, never "chassis")
    for name, node in sorted(lab.nodes.items()):
        here = dest / "nodes" / name
        try:
            save(here / "container.log", node.logs(tail=2000).decode(errors="replace"))
        except NodeNotRunning as exc:  # the runtime could not reach it
            save(here / "container.log", f"(not available: {exc})\n")
        for folder in LOG_DIRS if "copy-out" in node.capabilities else ():  # else: in logs()
            written += _unpack(node.copy_out(folder), here)
        if name in switches:
            save(here / "ovs-vsctl-show.txt", _output(node, ["ovs-vsctl", "show"]))
        if name in chassis:
            save(here / "bfd.txt", _output(node, ["ovs-appctl", "bfd/show"]))
    if lab.dir.exists():
        shutil.copytree(lab.dir, dest / "run", dirs_exist_ok=True)
        written += [p for p in (dest / "run").rglob("*") if p.is_file()]
    return written


def _output(node, argv: list[str]) -> str:
    if node is None:
        return "(no such node)\n"
    try:
        result = node.run(argv, check=False)
    except NodeNotRunning as exc:  # stopped or paused by a fault, or gone
        return f"(not available: {exc})\n"
    return result.stdout + (f"\n(exit {result.rc}) {result.stderr}" if result.rc else "")


def _unpack(archive: bytes | None, dest: Path) -> list[Path]:
    """The files of a node's tar (Node.copy_out), unpacked below `dest`."""
    if archive is None:
        return []
    out = []
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile() and ".." not in Path(member.name).parts:
                target = dest / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
                out.append(target)
    return out
