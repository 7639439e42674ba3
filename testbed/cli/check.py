"""Run the scenario's checks (its `checks:` section) on a running testbed.

    testbed check                               # every check, a table; exit 1 if one fails
    testbed check --junit runs/checks.xml       # also JUnit XML, for CI's test reporters
    testbed check "walk vm1 -> vm4"             # some, by title (as the table names them)

Each walk's report is in runs/NAME/walks/; a failed row says where the path diverged.
"""

from __future__ import annotations

from pathlib import Path

from . import pick


def add_parser(p) -> None:
    p.add_argument("checks", nargs="*", help="titles of the checks to run (default: all)")
    p.add_argument("--junit", help="write JUnit XML here")
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=lambda _: None)
    return run_on(tb.lab, args.checks or None, args.junit)


def run_on(lab, only: list[str] | None = None, junit: str | None = None) -> int:
    """Run, print the table, write JUnit when asked; 0 when every check holds, else 1."""
    from .. import checks

    if not lab.scenario.checks:
        print(f"testbed {lab.name}'s scenario has no checks: add a `checks:` section")
        return 0
    results = checks.run(lab, only)
    print(checks.render(results))
    if junit:
        checks.junit(results, f"testbed {lab.name}", Path(junit))
        print(f"JUnit: {junit}")
    return 0 if all(r.ok for r in results) else 1
