"""List the testbeds in this Docker engine: state, age, scenario (--json for scripts).

    testbed ls
    testbed ls --json | jq -r '.[] | select(.state != "up") | .name'
    testbed ls --quiet            # names only (shell completion uses it)
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from ..runtime import runtimes


def add_parser(p) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a JSON list, one object per testbed")
    out.add_argument("-q", "--quiet", action="store_true", help="names only")


def describe(name: str, containers: list[tuple[str, str, str]], runs: Path,
             now: datetime | None = None) -> dict:
    """One testbed's line: its state from its containers' statuses, its age from the oldest."""
    now = now or datetime.now(timezone.utc)
    status = Counter(s for _, s, _ in containers)
    running = status["running"]
    if running == len(containers):
        state = "up"
    elif status["paused"] and running + status["paused"] == len(containers):
        state = "paused: " + ", ".join(sorted(n for n, s, _ in containers if s == "paused"))
    else:
        down = sorted(n for n, s, _ in containers if s not in ("running", "paused"))
        state = f"degraded: {', '.join(down)} not running" if running else "stopped"
    created = [_parse(c) for _, _, c in containers if c]
    age = (now - min(created)).total_seconds() if created else None
    run = runs / name
    scenario = None
    if (run / "state.json").exists():
        try:
            scenario = json.loads((run / "state.json").read_text())["scenario"]["name"]
        except (ValueError, KeyError):
            scenario = None
    return {"name": name, "state": state, "containers": len(containers),
            "age_s": None if age is None else round(age), "scenario": scenario,
            "kept": (run / "kept").exists(), "run_dir": str(run) if run.exists() else None}


def _parse(created: str) -> datetime:
    # Docker: 2026-11-28T05:09:13.123456789Z (nanoseconds; fromisoformat takes microseconds)
    head, _, frac = created.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac or '0')[:6]:0<6}+00:00")


def human(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def run(args) -> int:
    rows = [describe(name, found, Path(args.runs))
            for name, found in sorted(runtimes.listing().states().items())]
    if args.json:
        print(json.dumps(rows, indent=1))
    elif args.quiet:
        for row in rows:
            print(row["name"])
    elif not rows:
        print("no testbeds")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(header_style="bold")
        for col in ("name", "state", "age", "containers", "scenario", "note"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["name"], r["state"], human(r["age_s"]), str(r["containers"]),
                          r["scenario"] or "-", "kept after a failed test" if r["kept"] else "")
        Console(emoji=False).print(table)
    return 0
