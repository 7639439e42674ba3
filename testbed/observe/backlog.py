"""Has a switch handled every frame it had received? Asked of its ovs-vswitchd.

    why = drained(tb.nodes["compute-b"], timeout=10)   # None: it has; else why it could not say

On our nodes the userspace datapath has no PMD threads (every port is a veth or a tap), so one
thread of ovs-vswitchd polls every port, forwards what it read, and answers `ovs-appctl`. Two
round trips in a row therefore prove a whole pass of that loop which began after the first was
sent: every frame the switch had received before then has been forwarded or dropped. A switch
that is merely slow (its CPU shared with a busy machine) answers late, and the wait for its answer
is the wait for its backlog. With the kernel datapath (where the host has the module), frames are
forwarded by the kernel and only a flow's first packet waits for ovs-vswitchd's handler threads:
the round trips then prove less, since they pass through the main thread only.
"""

from __future__ import annotations

import math
import time

from ..errors import NodeNotRunning
from ..names import PIDFILES
from ..runtime.base import Node

DAEMON = "ovs-vswitchd"


def stopped(node: Node) -> str | None:
    """Why the node's ovs-vswitchd cannot answer now (a stopped container, no daemon, a
    SIGSTOPped daemon), or None. The daemon is found by its pidfile: on the namespace runtime
    every node's processes share one PID namespace."""
    try:
        pid = node.run(["cat", PIDFILES[DAEMON]], check=False).stdout.strip()
        if not pid.isdigit():
            return f"{node.name}: no {DAEMON} runs (no pidfile {PIDFILES[DAEMON]})"
        state = node.run(["ps", "-o", "stat=", "-p", pid], check=False).stdout.strip()
    except NodeNotRunning as exc:
        return str(exc)
    if not state:
        return f"{node.name}: {DAEMON} (pid {pid}) is gone"
    if state.startswith("T"):
        return f"{node.name}: {DAEMON} is stopped (SIGSTOP)"
    return None


def drained(node: Node, timeout: float, attempt: float = 2.0) -> str | None:
    """Wait, at most `timeout` seconds, until the node's ovs-vswitchd has handled every frame it
    had received when this was called. None when it has; otherwise why that is not known.

    Each round trip waits `attempt` seconds at most. A switch that has not answered by then is
    asked again if it is busy, and given up if it is stopped: a frozen daemon holds what it has
    until someone lets it go, so waiting longer tells nothing."""
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 2:
        left = deadline - time.monotonic()
        if left <= 0:
            return f"{node.name}: {DAEMON} did not answer within {timeout:.0f} s"
        argv = ["ovs-appctl", f"--timeout={max(1, math.ceil(min(attempt, left)))}", "-t", DAEMON,
                "version"]
        started = time.monotonic()
        try:
            r = node.run(argv, check=False)
        except NodeNotRunning as exc:
            return str(exc)
        if r.ok:
            answered += 1
            continue
        if why := stopped(node):
            return why
        if time.monotonic() - started < min(attempt, left) / 2:  # refused, not slow
            return f"{node.name}: `{' '.join(argv)}` exited {r.rc}: {r.stderr.strip()[-200:]}"
    return None
