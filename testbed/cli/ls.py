"""List the testbeds that have containers in this Docker engine."""

from __future__ import annotations

from ..manager.docker import DockerBackend


def add_parser(p) -> None:
    pass


def run(args) -> int:
    found = DockerBackend().testbeds()
    for name, count in sorted(found.items()):
        print(f"{name}\t{count} containers")
    if not found:
        print("no testbeds")
    return 0
