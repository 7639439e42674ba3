"""How the bench scripts print a measured figure: median, min and max over runs."""

from __future__ import annotations

import statistics


def row(label: str, values: list[float], width: int = 40, unit: str = "s") -> str:
    """One indented line: the label, then median, min, max and the number of runs."""
    if not values:
        return f"    {label:<{width}} (not seen)"
    return (f"    {label:<{width}} median {statistics.median(values):6.3f} {unit}  min "
            f"{min(values):6.3f}  max {max(values):6.3f}  ({len(values)} runs)")
