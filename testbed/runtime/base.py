"""What a testbed asks of the runtime its nodes run on, and of each node: the whole seam.

A runtime is a class with the `Runtime` methods that registers itself under its name
(`@register` in testbed.runtime.registry); the registry imports every module of this package,
so a new runtime is one new file here and nothing else. Above this package nobody knows PIDs,
engine objects or inspect dicts: a node is reached through `run`/`spawn`, its network
namespace through the `netns` file it gives, its addresses as `NetAddress`, and what can be done
to it as a whole through the `capabilities` it declares.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from ..command import CommandResult
from .address import NetAddress

Progress = Callable[[str], None]


@runtime_checkable
class Node(Protocol):
    """One node of a testbed (a chassis, the ToR, a VM, an external host)."""

    name: str
    capabilities: frozenset[str]
    """Whole-node operations this runtime offers: "stop" (stop/start), "pause"
    (pause/unpause), "follow-logs" (follow_logs), "copy-out" (copy_out)."""

    @property
    def role(self) -> str: ...
    @property
    def netns(self) -> str:
        """The file of its network namespace (links, addresses and captures enter it)."""
    @property
    def running(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def container_name(self) -> str: ...

    def run(self, argv: Sequence[str], check: bool = True) -> CommandResult: ...
    def exec(self, argv: Sequence[str], check: bool = True) -> str: ...
    def run_all(self, commands: Sequence[Sequence[str]], check: bool = True) -> CommandResult: ...
    def spawn(self, argv: Sequence[str]) -> None: ...
    def stream(self, argv: Sequence[str]) -> subprocess.Popen:
        """Started in the node, its output read as it comes (text lines); the caller ends it."""
    def logs(self, tail: int = 5000) -> bytes: ...
    def on_network(self, key: str) -> bool: ...
    def address(self, key: str) -> NetAddress: ...

    # offered where `capabilities` says so
    def stop(self, timeout: int = 1) -> None: ...
    def start(self) -> None: ...
    def pause(self) -> None: ...
    def unpause(self) -> None: ...
    def follow_logs(self, tail: int) -> Iterator[bytes]: ...
    def copy_out(self, folder: str) -> bytes | None: ...


class Runtime(Protocol):
    """Where a testbed's nodes run: create them, find them by the testbed's name, remove them."""

    name: str

    def images(self, scenario, progress: Progress) -> dict[str, str]:
        """The image each node runs (building what is missing); node name -> image."""
    def create(self, document: dict, project: str, config_file: str, workers: int = 8,
               progress: Progress = ...) -> None: ...
    def nodes(self, testbed: str) -> dict[str, Node]: ...
    def db_remote(self, central: Node, database: str) -> str:
        """How this process reaches the central's NB or SB ("nb", "sb")."""
    def db_socket(self, central: Node, database: str) -> str:
        """The central's NB or SB unix socket as this process reaches it."""
    def rejoin(self, testbed: str, name: str, mtus: dict[str, int]) -> None:
        """A node started again is on the testbed's networks again, as it was (`mtus`: the
        scenario's MTU of a network, where it sets one)."""
    def remove(self, testbed: str) -> tuple[int, int]:
        """Remove what the testbed created; returns (nodes, networks) removed."""
    def testbeds(self) -> dict[str, int]:
        """The testbeds this runtime holds, and how many nodes each has."""
    def states(self) -> dict[str, list[tuple[str, str, str]]]:
        """Every testbed's nodes: (node, status, created as an ISO time)."""
    def claims(self, testbed: str) -> bool:
        """This runtime holds the testbed (asked by name alone, after a crash too)."""
