"""A failed test's artefacts: every chassis' and the ToR's switch state is saved, as the
plugin promises (a node's role label holds the scenario's role, gateway/compute/tor)."""

from __future__ import annotations

from types import SimpleNamespace as NS

from testbed.command import CommandResult
from testbed.model import load
from testbed.pytest_plugin.artefacts import collect


class FakeNode:
    capabilities = frozenset()  # like the netns runtime: no archive of the node
    def __init__(self, name: str, role: str):
        self.name, self.role = name, role

    def logs(self, tail: int) -> bytes:
        return b"console\n"

    def run(self, argv, check=True) -> CommandResult:
        return CommandResult(self.name, tuple(argv), 0, f"{' '.join(argv)} on {self.name}\n", "")


def test_every_chassis_and_the_tor_leave_their_switch_state(tmp_path):
    sc = load("l3-over-vlan")
    nodes = {n: FakeNode(n, sc.nodes[n].role.value) for n in sc.nodes}
    tb = NS(scenario=sc, nodes=nodes, dir=tmp_path / "no-run-folder", tool=lambda t: [t])
    written = {p.relative_to(tmp_path / "out").as_posix() for p in collect(tb, tmp_path / "out")}
    for name in (*sc.chassis, sc.tor):
        assert f"nodes/{name}/ovs-vsctl-show.txt" in written, sorted(written)
    for name in sc.chassis:
        assert f"nodes/{name}/bfd.txt" in written
        assert "ovs-appctl bfd/show on" in (tmp_path / "out" / "nodes" / name / "bfd.txt").read_text()
    assert "nodes/central/ovs-vsctl-show.txt" not in written and "nodes/ext/bfd.txt" not in written
