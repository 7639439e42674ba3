"""What the bench scripts share: the testbed they measure on, and how a figure is printed."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testbed.model import load
from testbed.net import Testbed

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def testbed(scenario: str, own_name: str, name: str | None) -> Iterator[Testbed]:
    """The testbed `name` when given (left up), else scenarios/SCENARIO.yaml brought up as
    OWN_NAME and removed afterwards, whatever happens in between."""
    quiet = lambda _: None  # noqa: E731 - the benches print figures, not progress
    tb = (Testbed.attach(name, ROOT / "runs", progress=quiet) if name else
          Testbed(load(ROOT / "scenarios" / f"{scenario}.yaml"), name=own_name,
                  runs_dir=ROOT / "runs", progress=quiet).up())
    try:
        yield tb
    finally:
        if name is None:
            tb.down()


def row(label: str, values: list[float], width: int = 40, unit: str = "s") -> str:
    """One indented line: the label, then median, min, max and the number of runs."""
    if not values:
        return f"    {label:<{width}} (not seen)"
    return (f"    {label:<{width}} median {statistics.median(values):6.3f} {unit}  min "
            f"{min(values):6.3f}  max {max(values):6.3f}  ({len(values)} runs)")
