"""A database row's values over time, recorded as they arrive (an ovsdbapp RowEvent), and
waited for: when did SB bind this port to gw2, when did the service monitor say offline. Wait
on the database, not a loop."""

from __future__ import annotations

import threading
import time

from ovsdbapp.backend.ovs_idl.event import RowEvent

from .. import wait


class Timeline(RowEvent):
    """Every update (and creation, with `created`) of the rows matching `conditions` in
    `table`: (arrival time, `value(row)`), in order. Subclasses say what the value is."""

    what = "the value"

    def __init__(self, table: str, conditions: tuple, created: bool = False):
        events = (self.ROW_UPDATE, self.ROW_CREATE) if created else (self.ROW_UPDATE,)
        super().__init__(events, table, conditions)
        self.seen: list[tuple[float, object]] = []
        self.changed = threading.Condition()

    def value(self, row) -> object:
        raise NotImplementedError

    def run(self, event, row, old):
        with self.changed:
            self.seen.append((time.time(), self.value(row)))
            self.changed.notify_all()

    def wait_for(self, value: object, after: float, timeout: float) -> float:
        """When the value became `value` (at or after `after`, epoch seconds)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                hit = next((t for t, v in self.seen if v == value and t >= after), None)
                if hit is not None:
                    return hit
                left = deadline - time.monotonic()
                if left <= 0:
                    raise wait.WaitTimeout(f"timed out after {timeout:.0f} s waiting for "
                                           f"{self.what} to be {value}; seen: {self.seen}")
                self.changed.wait(left)
