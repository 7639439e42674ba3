"""Polling with a deadline: wait for a state instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable


class WaitTimeout(TimeoutError):
    pass


def until(what: str, missing: Callable[[], list[str]], timeout: float = 60.0,
          interval: float = 0.2) -> float:
    """Poll `missing()` until it returns an empty list; return the seconds it took.

    `missing` names what is not there yet, so that a timeout says exactly what was still missing.
    """
    start = time.monotonic()
    deadline = start + timeout
    last: list[str] = []
    while True:
        try:
            last = missing()
        except Exception as exc:  # a daemon still starting can refuse a query: keep polling
            last = [f"({type(exc).__name__}: {exc})"]
        if not last:
            return time.monotonic() - start
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f} s waiting for {what}; "
                              f"still missing: {', '.join(last)}")
        time.sleep(interval)
