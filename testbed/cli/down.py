"""Remove a testbed: its containers, networks and veths (run outputs are kept)."""

from __future__ import annotations

from pathlib import Path

from ..net import teardown


def add_parser(p) -> None:
    p.add_argument("name", nargs="?", default="l3-over-vlan")


def run(args) -> int:
    teardown(args.name, Path(args.runs) / args.name)
    return 0
