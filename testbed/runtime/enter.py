"""Commands entered into a node's namespaces from the host: nsenter, with the node's own rights.

Both runtimes run the harness's commands this way. A `docker exec` costs the engine 65-90 ms of
CPU (dockerd, containerd, a shim and runc each take part); nsenter costs about 5 ms, and a
bring-up alone runs some fifty commands. The Docker node asks the engine whether it runs only
for its first command; after that `started` and `thawed` tell it from /proc and the freezer.
What `docker exec` gave the command is kept:

- the namespaces: mount (so the node's own files and binaries), network, UTS, IPC and PID;
- the rights: the capability bounding set of the node's first process (a container's
  `cap_drop: ALL` + `cap_add: [NET_ADMIN, NET_RAW]` stays exactly that), set by setpriv inside
  the node, after nsenter has used the host's rights to enter;
- the environment: the node's configured variables only (`env -i`), and stdin closed.

Not kept: the container's cgroup (a command's CPU is the host's, not the container's share) and
Docker's seccomp profile. Long-running background commands still go through the runtime
(`spawn`), so that they end with their container.
"""

from __future__ import annotations

import ctypes
import functools
import os
import socket
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from ..command import CommandResult, run_host
from ..errors import NodeNotRunning

TIMEOUT = 300.0


@functools.lru_cache(maxsize=1)
def _cap_names() -> tuple[str, ...]:
    """Capability names by number, as this host's setpriv knows them."""
    return tuple(run_host(["setpriv", "--list-caps"]).stdout.split())


def bounding_set(pid: int) -> str | None:
    """setpriv's --bounding-set argument for the rights of process `pid` (None: all of them)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("CapBnd:"):
            mask = int(line.split()[1], 16)
            break
    else:
        return None
    names = _cap_names()
    if all(mask >> n & 1 for n in range(len(names))):
        return None
    return ",".join(["-all", *(f"+{name}" for n, name in enumerate(names) if mask >> n & 1)])


def argv_in(pid: int, argv: Sequence[str], env: Sequence[str]) -> list[str]:
    """The host argv that runs `argv` in process `pid`'s namespaces, rights and environment."""
    bound = bounding_set(pid)
    limit = ["setpriv", "--bounding-set", bound, "--"] if bound else []
    return ["nsenter", "-t", str(pid), "-m", "-n", "-u", "-i", "-p", "--", *limit,
            "env", "-i", *env, *argv]


class GroupPopen(subprocess.Popen):
    """A process started in a session of its own, signalled as a whole: nsenter runs the
    command as its child (entering a PID namespace needs a fork), and a signal to nsenter
    alone would leave the command running in the node."""

    def send_signal(self, sig: int) -> None:
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass


def popen_in(pid: int, argv: Sequence[str], env: Sequence[str]) -> subprocess.Popen:
    """Start `argv` in the node whose first process is `pid`, its output read as it comes
    (lines of text on stdout, stderr with it); the caller ends it (terminate, then wait):
    that ends the command in the node too."""
    return GroupPopen(argv_in(pid, argv, env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      stdin=subprocess.DEVNULL, text=True, bufsize=1, start_new_session=True)


def started(pid: int) -> int | None:
    """The start time (clock ticks since boot) of process `pid` while it lives, else None: a
    pid seen again with the same start time is the same process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X", "x") else int(fields[19])


def thawed(pid: int) -> bool:
    """Whether the cgroup of process `pid` is known to be not frozen (a paused container's is).
    False where it cannot be told from here (no freezer found): ask the engine then."""
    try:
        groups = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return False
    for line in groups:
        _, controllers, path = line.split(":", 2)
        try:
            if "freezer" in controllers.split(","):  # cgroup v1
                return Path(f"/sys/fs/cgroup/freezer{path}/freezer.state").read_text().strip() \
                    == "THAWED"
            if controllers == "" and len(groups) == 1:  # cgroup v2 only
                return Path(f"/sys/fs/cgroup{path}/cgroup.freeze").read_text().strip() == "0"
        except OSError:
            return False
    return False


def run_in(where: str, pid: int, argv: Sequence[str], env: Sequence[str], check: bool = True,
           timeout: float = TIMEOUT) -> CommandResult:
    """Run `argv` in the node whose first process is `pid`; rc, stdout and stderr apart. A
    node whose first process is gone (it died) raises NodeNotRunning naming the node."""
    try:
        entered = argv_in(pid, argv, env)
    except FileNotFoundError:  # /proc/PID went with the process
        raise NodeNotRunning(f"{where}: its first process ({pid}) is gone: the node died "
                             "(its log: testbed logs, or the holder's)") from None
    proc = subprocess.run(entered, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    result = CommandResult(where, tuple(argv), proc.returncode,
                           proc.stdout.decode(errors="replace"),
                           proc.stderr.decode(errors="replace"))
    return result.check() if check else result


_CLONE_NEWNET = 0x40000000


def connect_in(netns: str, address: tuple[str, int], timeout: float) -> socket.socket:
    """A TCP connection made inside a node's network namespace (its own loopback, its own
    networks), used from here: a thread enters the namespace (setns acts on the calling
    thread only), connects and ends; the socket stays in the namespace it was made in."""
    made: list = []

    def inside() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(netns) as ns:
                if libc.setns(ns.fileno(), _CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns into {netns}: {os.strerror(err)}")
            made.append(socket.create_connection(address, timeout))
        except OSError as exc:
            made.append(exc)
    thread = threading.Thread(target=inside, daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if not made:
        raise TimeoutError(f"no connection to {address[0]}:{address[1]} in {netns} "
                           f"within {timeout:g} s")
    if isinstance(made[0], OSError):
        raise made[0]
    return made[0]
