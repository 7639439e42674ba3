"""Polling with a deadline: wait for a state instead of sleeping.

Only *transient* errors are retried (a daemon still starting refuses a connection, an OVSDB
query times out, a container is still being created). Anything else - a command that failed for
good, a bug - propagates at once instead of turning into a timeout that hides it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import TestbedError

TRANSIENT: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)


class WaitTimeout(TestbedError, TimeoutError):
    """A state was not reached in time; the message names what was still missing."""


class NotYet(Exception):
    """Raised by a probe to say "not there yet, ask again" with a reason for the timeout message."""


def until(what: str, missing: Callable[[], list[str]], timeout: float = 60.0,
          interval: float = 0.2, transient: tuple[type[BaseException], ...] = TRANSIENT,
          wake: threading.Event | None = None) -> float:
    """Poll `missing()` until it returns an empty list; return the seconds it took.

    `missing` names what is not there yet, so that a timeout says exactly what was still missing.
    Exceptions in `transient` (and `NotYet`) count as "not yet"; every other exception is raised.
    `wake`: asked again as soon as this flag is set (a database change: NbApi.changes), with
    `interval` as the longest wait in between.
    """
    start = time.monotonic()
    deadline = start + timeout
    last: list[str] = []
    while True:
        try:
            last = missing()
        except WaitTimeout:
            raise
        except (NotYet, *transient) as exc:
            last = [f"({type(exc).__name__}: {exc})"]
        if not last:
            return time.monotonic() - start
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f} s waiting for {what}; "
                              f"still missing: {', '.join(last)}")
        if wake is None:
            time.sleep(interval)
        else:
            wake.wait(interval)
            wake.clear()
