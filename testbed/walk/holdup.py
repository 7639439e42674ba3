"""A probe whose answer did not come in time: lost, or held by a busy switch?

A switch on a loaded machine (two cores shared by several testbeds) can hold a frame for
seconds before it forwards it. A walk whose probe was not answered therefore asks the switch
that has the probe now to finish what it had received (observe/backlog.py) and looks again; it
does so along the path while the probe moves on. When the switch has caught up and the probe has
not left it, the probe was dropped there: the walk says so. Pure functions here; the runner does
the asking.
"""

from __future__ import annotations

from .model import Leg

FOLLOW_UP = 10.0
"""Seconds a walk follows an unanswered probe along busy switches, at most."""

HELD_NOTE = 0.5
"""Seconds between arriving at a node and leaving it above which a walk notes the wait."""


def frontier(request: Leg, reply: Leg) -> tuple[str, str] | None:
    """(leg name, node) of the leg still under way, where it was last seen arriving and not
    leaving; None when both legs arrived, or when the last sighting is not an arrival (a frame
    not yet sent, or a reply never seen)."""
    for leg in (request, reply):
        if leg.delivered:
            continue
        last = leg.last_seen
        if last is None or last.direction != "in":
            return None
        return leg.name, last.node
    return None


def held(leg: Leg, above: float = HELD_NOTE) -> list[tuple[str, float]]:
    """(node, seconds) for each node that held this leg longer than `above` before forwarding."""
    out = []
    for node, hin, hout in leg.transits():
        if hin is not None and hout is not None and (hout.ns - hin.ns) / 1e9 > above:
            out.append((node, (hout.ns - hin.ns) / 1e9))
    return out


def held_notes(request: Leg, reply: Leg) -> list[str]:
    return [f"{node} held the {leg.name} {secs:.2f} s between receiving and forwarding it "
            "(a busy or stopped switch)"
            for leg in (request, reply) for node, secs in held(leg)]
