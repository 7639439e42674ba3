"""The kill fault without a testbed: a daemon SIGKILLed is waited gone (a zombie is gone) before
the fault returns, so the start that follows does not find its pidfile still held."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from testbed.command import CommandResult
from testbed.faults.kinds import FAULTS, Fault, running_process
from testbed.wait import WaitTimeout


class Node:
    """A node whose ovn-controller (pid 25) reads as running for `alive` reads after its
    SIGKILL, then as a zombie for `zombie` reads, then as gone."""

    def __init__(self, alive: int, zombie: int = 0, exits: bool = True):
        self.killed = False
        self.alive, self.zombie, self.exits = alive, zombie, exits
        self.ran: list[list[str]] = []

    def _stat(self) -> str:
        if not self.killed:
            return "25 4242 S"
        if self.alive > 0 or not self.exits:
            self.alive -= 1
            return "25 4242 S"
        if self.zombie > 0:
            self.zombie -= 1
            return "25 4242 Z"
        return ""

    def run(self, argv, check=True):
        self.ran.append(list(argv))
        out = self._stat() if argv[0] == "sh" else ""
        if argv[:2] == ["kill", "-9"]:
            self.killed = True
        return CommandResult("gw2", tuple(argv), 0 if out or argv[0] != "sh" else 1, out, "")

    def exec(self, argv):
        return self.run(argv).stdout


def lab(node: Node):
    role = SimpleNamespace(value="gateway")
    return SimpleNamespace(nodes={"gw2": node},
                           scenario=SimpleNamespace(nodes={"gw2": SimpleNamespace(role=role)}))


def test_a_zombie_is_not_a_running_daemon():
    node = Node(alive=0, zombie=5)
    node.killed = True
    assert running_process(lab(node), "gw2", "ovn-controller") is None


def test_kill_returns_only_once_the_process_has_exited():
    node = Node(alive=3, zombie=2)
    FAULTS["kill"].inject(lab(node), Fault("kill", "gw2", "ovn-controller"))
    assert node.alive == 0 and node.zombie == 1, "returned while the process still ran"


def test_a_process_that_outlives_its_sigkill_is_named(monkeypatch):
    monkeypatch.setattr("testbed.faults.kinds.KILL_EXIT_TIMEOUT", 0.3)
    node = Node(alive=0, exits=False)
    with pytest.raises(WaitTimeout, match=r"ovn-controller on gw2 \(pid 25\) to exit"):
        FAULTS["kill"].inject(lab(node), Fault("kill", "gw2", "ovn-controller"))
