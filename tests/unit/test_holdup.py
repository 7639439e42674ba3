"""An unanswered walk probe followed along busy switches (walk/holdup.py, runner.follow_up),
with legs made by hand and the switches' answers faked. No Docker."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from testbed.walk import holdup, runner
from testbed.walk.hops import Hop
from testbed.walk.model import Leg

S = 1_000_000_000
PATH = [("vm2", "out"), ("compute-b", "in"), ("compute-b", "out"), ("gw1", "in"),
        ("gw1", "out"), ("tor", "in"), ("tor", "out"), ("ext", "in")]


def leg(name: str, upto: int, held_at: dict[str, float] | None = None, source="vm2",
        target="ext") -> Leg:
    """The first `upto` sightings of PATH (reversed for the reply); `held_at` adds seconds
    between a node's arrival and departure."""
    path = PATH if name == "request" else [(n, d) for n, d in reversed(PATH)]
    if name == "reply":
        path = [(n, "out" if d == "in" else "in") for n, d in path]
    hops, ns = [], 0
    for node, direction in path[:upto]:
        ns += int((held_at or {}).get(node, 0) * S) if direction == "out" else 1000
        hops.append(Hop(ns, node, "eth0", direction, name, "l", None))
    return Leg(name, source, target, hops)


def test_frontier_is_the_switch_that_has_the_leg_still_under_way():
    assert holdup.frontier(leg("request", 2), leg("reply", 0)) == ("request", "compute-b")
    assert holdup.frontier(leg("request", 8), leg("reply", 4)) == ("reply", "gw1")
    # left a node and not yet arrived anywhere, never sent, or never answered: nobody holds it
    assert holdup.frontier(leg("request", 3), leg("reply", 0)) is None
    assert holdup.frontier(leg("request", 0), leg("reply", 0)) is None
    assert holdup.frontier(leg("request", 8), leg("reply", 0)) is None
    assert holdup.frontier(leg("request", 8), leg("reply", 8, source="ext", target="vm2")) \
        is None


def test_a_node_that_held_a_leg_is_named_with_its_seconds():
    request = leg("request", 8, {"compute-b": 2.25})
    assert holdup.held(request) == [("compute-b", pytest.approx(2.25, abs=0.01))]
    assert holdup.held(leg("request", 8, {"compute-b": 0.4})) == []
    notes = holdup.held_notes(request, leg("reply", 0))
    assert notes and notes[0].startswith("compute-b held the request 2.25 s")


class Caps:
    """Captures whose frames advance one step each time the holding switch is drained."""

    def __init__(self, steps: list[tuple[int, int]]):
        self.steps, self.at, self.settled = steps, 0, 0

    def frames_now(self):
        return self.steps[min(self.at, len(self.steps) - 1)]

    def settle(self):
        self.settled += 1


def follow(steps, drain=lambda node, left: None, budget=10.0):
    caps, asked = Caps(steps), []

    def drained(node, left):
        asked.append(node.name)
        why = drain(node, left)
        if why is None:
            caps.at += 1
        return why
    names = ["vm2", "compute-b", "gw1", "tor", "ext"]
    tb = SimpleNamespace(scenario=SimpleNamespace(chassis=["compute-b", "gw1"], tor="tor"),
                         tor=SimpleNamespace(kind="ovs"),
                         nodes={n: SimpleNamespace(name=n) for n in names})

    def legs(got):
        return leg("request", got[0]), leg("reply", got[1], source="ext", target="vm2")
    notes = runner.follow_up(tb, caps, legs, budget, drained)
    return notes, asked


def test_a_held_probe_is_followed_switch_by_switch_until_it_is_answered():
    notes, asked = follow([(2, 0), (4, 0), (8, 2), (8, 8)])
    assert asked == ["compute-b", "gw1", "tor"]  # the reply was held at the ToR as well
    assert not any("dropped" in n for n in notes)


def test_a_probe_that_does_not_move_after_its_switch_caught_up_was_dropped_there():
    notes, asked = follow([(2, 0), (2, 0)])
    assert asked == ["compute-b"]
    assert notes == ["compute-b's switch had handled everything it had received and the "
                     "request did not leave it on any captured link: it was dropped there, "
                     "not delayed"]


def test_a_stopped_switch_is_not_waited_for():
    notes, asked = follow([(2, 0)], drain=lambda node, left: "ovs-vswitchd is "
                          "stopped (SIGSTOP)")
    assert asked == ["compute-b"] and "stopped (SIGSTOP)" in notes[0]


def test_a_probe_not_held_by_a_switch_is_not_followed():
    notes, asked = follow([(1, 0)])  # left vm2, seen nowhere else
    assert asked == [] and notes == []


def test_following_is_bounded():
    notes, asked = follow([(2, 0), (4, 0)], budget=0.0)
    assert asked == [] and notes == ["stopped following the probe after 0 s"]


def test_a_failed_walk_assertion_carries_the_walks_notes_and_probe_time(tmp_path):
    w = SimpleNamespace(notes=[f"note {i}" for i in range(8)], timings={"probe": 2.07},
                        probe=SimpleNamespace(timeout=2.0), folder=tmp_path / "3-vm2-ext")
    hint = runner.failure_hint(w).splitlines()
    assert hint[0] == "" and hint[1:7] == [f"walk notes: note {i}" for i in range(6)]
    assert hint[7] == "probe: sent and settled in 2.07 s (waits up to 2 s for the answer)"
    assert hint[8].startswith("(walk report: ") and "3-vm2-ext/pcap" in hint[8]
    request = leg("request", 2)
    request.report_hint = runner.failure_hint(w)
    with pytest.raises(AssertionError, match="(?s)never seen at tor.*walk notes: note 0"):
        request.hop("tor")
