"""Commands as argument lists in, results out: rc, stdout and stderr kept apart.

No command of the testbed is assembled as a shell string from values: a filter or a name with a
quote in it stays one argument. Where several commands run in one round trip (one `docker exec`),
each is still an argument list, quoted with `shlex.join` by `script()`.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import TestbedError


@dataclass(frozen=True)
class CommandResult:
    """What a finished command returned (in a container or on the host)."""

    where: str
    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    def check(self) -> CommandResult:
        if self.rc != 0:
            raise CommandError(self)
        return self


class CommandError(TestbedError, RuntimeError):
    """A command exited non-zero; the message names where, what, the exit code and stderr."""

    def __init__(self, result: CommandResult):
        self.result = result
        self.rc = result.rc
        self.output = result.stdout + result.stderr
        detail = (result.stderr.strip() or result.stdout.strip())[-800:]
        super().__init__(f"{result.where}: `{result.command}` exited {result.rc}: {detail}")


def script(commands: Sequence[Sequence[str]]) -> list[str]:
    """One `sh -c` argv that runs argument lists in order and stops at the first failure."""
    return ["sh", "-c", " && ".join(shlex.join(list(c)) for c in commands)]


def run_host(argv: Sequence[str], check: bool = True, timeout: float | None = 60) -> CommandResult:
    """Run a command on the host."""
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    result = CommandResult("host", tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    return result.check() if check else result


class Commands:
    """exec and run_all on top of a node's run(argv, check): the same for every runtime."""

    name: str

    def run(self, argv: Sequence[str], check: bool = True) -> CommandResult:
        raise NotImplementedError

    def exec(self, argv: Sequence[str], check: bool = True) -> str:
        """Run an argument list in the node and return its stdout."""
        return self.run(argv, check).stdout

    def run_all(self, commands: Sequence[Sequence[str]], check: bool = True) -> CommandResult:
        """Run several argument lists in one round trip, in order, stopping at the first failure."""
        return self.run(script(commands), check)

    @property
    def testinfra(self):
        """This node as a testinfra host (testbed/infra.py): `node.testinfra.process`, ...."""
        from .infra import host

        return host(self)

    def _argv(self, argv: Sequence[str]) -> list[str]:
        if isinstance(argv, str):
            raise TypeError(f"{self.name}: commands are argument lists, not strings: {argv!r}")
        return list(argv)
