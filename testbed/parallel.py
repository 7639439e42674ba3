"""Per-node steps side by side: container execs and namespace sessions wait on the engine and
the kernel, not on this process, so a bounded pool of threads overlaps them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WORKERS = 8


def each(fn: Callable[[T], R], items: Iterable[T], workers: int = WORKERS) -> list[R]:
    """fn over items, `workers` at a time; results in the items' order, the first exception
    raised (after the running calls finish)."""
    items = list(items)
    if len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
