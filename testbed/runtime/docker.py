"""Containers of a testbed through the Docker SDK: find them by label, run commands, remove them."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import docker
import docker.errors
from docker.models.containers import Container

from .. import wait
from ..command import CommandError, CommandResult, Commands
from ..errors import NodeNotRunning
from ..model import Role
from ..names import LABEL, NETS_LABEL, NODE_LABEL, ROLE_LABEL
from ..parallel import each
from . import engine, enter, images
from .address import NetAddress, address_on, parse_nets
from .engine import connect
from .enter import popen_in, run_in

__all__ = ["CommandError", "CommandResult", "DockerBackend", "Node", "connect"]


@dataclass
class Node(Commands):
    """One running container of a testbed (a chassis, the ToR, a VM, ...)."""

    name: str
    container: Container

    @property
    def role(self) -> str:
        return self.container.labels.get(ROLE_LABEL, "")

    _seen: tuple[int, int] | None = field(default=None, repr=False, compare=False)
    """(pid, start time) of the container's first process when last asked of the engine"""

    def _still(self) -> int | None:
        """The pid last seen, if that same process (pid and start time) still lives."""
        seen = self._seen
        return seen[0] if seen is not None and enter.started(seen[0]) == seen[1] else None

    def _remember(self, pid: int) -> int:
        start = enter.started(pid)
        self._seen = (pid, start) if start is not None else None
        return pid

    @property
    def pid(self) -> int:
        """The container's first process. Asked of the engine again when the one known is gone:
        listed before it started, or started again since (another process's `testbed fault
        restore` restarts a stopped node: a handle kept across it must follow)."""
        pid = self._still()
        if pid is not None:
            return pid
        state = self.container.attrs["State"]
        if not state.get("Running") or not os.path.exists(f"/proc/{state.get('Pid')}"):
            self.container.reload()
        return self._remember(int(self.container.attrs["State"]["Pid"]))

    @property
    def netns(self) -> str:
        """The file of its network namespace, which links, addresses and captures enter."""
        return f"/proc/{self.pid}/ns/net"

    @property
    def running(self) -> bool:
        """The container runs now (not stopped; a paused one still counts as running)."""
        self.container.reload()
        return bool(self.container.attrs["State"]["Running"])

    @property
    def status(self) -> str:
        """Docker's word for it: running, paused, exited ..."""
        return self.container.status

    @property
    def container_name(self) -> str:
        return self.container.name

    def logs(self, tail: int = 5000) -> bytes:
        """The container's console (node-init follows the daemons' logs there)."""
        try:
            return self.container.logs(tail=tail)
        except docker.errors.APIError as exc:  # removed meanwhile, or the engine refused
            raise NodeNotRunning(f"{self.name}: no logs from container "
                                 f"{self.container.name} ({exc})") from exc

    # What this runtime can do to a whole node; callers ask `"stop" in node.capabilities`.
    capabilities = frozenset({"stop", "pause", "follow-logs", "copy-out"})

    def stop(self, timeout: int = 1) -> None:
        """The whole node stopped: its processes end, its namespace and veths go."""
        self.container.stop(timeout=timeout)

    def start(self) -> None:
        self.container.start()

    def pause(self) -> None:
        """Every process of the node frozen; its interfaces stay."""
        self.container.pause()

    def unpause(self) -> None:
        self.container.unpause()

    def follow_logs(self, tail: int) -> Iterator[bytes]:
        """The console from `tail` lines back, then as it is written (until interrupted)."""
        return self.container.logs(stream=True, follow=True, tail=tail)

    def copy_out(self, folder: str) -> bytes | None:
        """A tar of `folder` in the node (a stopped one too), or None where it cannot be read."""
        try:
            chunks, _ = self.container.get_archive(folder)
        except docker.errors.APIError:
            return None
        return b"".join(chunks)

    def run(self, argv: Sequence[str], check: bool = True) -> CommandResult:
        """Run an argument list in the container; rc, stdout and stderr come back apart.

        Entered from the host with the container's namespaces, rights and environment
        (runtime/enter.py: a tenth of a `docker exec`'s cost); the container's state is asked
        first, so a stopped or paused node refuses as `docker exec` would."""
        argv = self._argv(argv)
        return run_in(self.name, self._running_pid(argv), argv, self._env, check)

    def stream(self, argv: Sequence[str]) -> subprocess.Popen:
        """Start an argument list whose output is read as it comes (the caller ends it)."""
        argv = self._argv(argv)
        return popen_in(self._running_pid(argv), argv, self._env)

    def _running_pid(self, argv: Sequence[str]) -> int:
        """The container's first process; refused as `docker exec` would when not running.
        Asked of the engine once: after that, the same process (pid and start time) in a
        cgroup that is not frozen is still this running, unpaused container, which the host
        tells without a round trip to the engine (that cost 2-3 ms of this process' CPU per
        command, and the engine's)."""
        pid = self._still()
        if pid is not None and enter.thawed(pid):
            return pid
        return self._remember(self._inspected_pid(argv))

    def _inspected_pid(self, argv: Sequence[str]) -> int:
        try:
            state = self.container.client.api.inspect_container(self.container.id)["State"]
        except docker.errors.APIError as exc:  # removed meanwhile
            raise NodeNotRunning(f"{self.name}: container {self.container.name} is gone "
                                 f"({exc}); `{' '.join(argv)}` was not run") from exc
        if not state.get("Running") or state.get("Paused"):
            status = "paused" if state.get("Paused") else state.get("Status", "not running")
            raise NodeNotRunning(f"{self.name}: container {self.container.name} is {status}; "
                                 f"`{' '.join(argv)}` was not run")
        return int(state["Pid"])

    @cached_property
    def _env(self) -> list[str]:
        """The container's configured environment, as `docker exec` would give a command."""
        env = list(self.container.attrs["Config"].get("Env") or [])
        return env if any(v.startswith("HOME=") for v in env) else [*env, "HOME=/root"]

    def spawn(self, argv: Sequence[str]) -> None:
        """Start an argument list in the background (it outlives this call)."""
        self.container.exec_run(list(argv), detach=True)

    @cached_property
    def _networks(self) -> dict[str, dict]:
        """The testbed's networks this container is on: its label's addresses on the fabric
        (runtime/containers.py); none without the label."""
        return parse_nets(self.container.labels.get(NETS_LABEL, ""))

    def on_network(self, key: str) -> bool:
        return key in self._networks

    def address(self, key: str) -> NetAddress:
        """This node's address on one of the testbed's networks (mgmt, overlay, ...)."""
        return address_on(self.name, self._networks, key)


ACTION_STATES = {"start": "running", "unpause": "running", "pause": "paused", "die": "exited"}


class NodeEvents:
    """(time, node, running | paused | exited) as the engine reports them; close() (from any
    thread) ends the iteration."""

    def __init__(self, stream):
        self.stream = stream

    def __iter__(self) -> Iterator[tuple[float, str, str]]:
        try:
            for e in self.stream:
                node = (e.get("Actor", {}).get("Attributes") or {}).get(NODE_LABEL)
                state = ACTION_STATES.get(e.get("Action") or e.get("status", ""))
                if node and state:
                    yield e.get("timeNano", time.time_ns()) / 1e9, node, state
        except (OSError, ValueError, AttributeError):  # closed while reading
            return

    def close(self) -> None:
        self.stream.close()


class DockerBackend:
    """Finds and removes what a testbed created in the Docker engine, by its name label.

    The runtime interface (what a testbed asks of the engine that runs its nodes): create the
    nodes of a rendered document, find them by the testbed's name (`nodes`), give the harness
    an OVSDB remote on the central (`db_remote`), remove everything (`remove`). A runtime
    registers itself (runtimes.register): testbed.runtime.containers (this engine, a container
    per node, VMs as namespaces when the scenario asks) and testbed.runtime.netns."""

    name = "docker"

    def __init__(self, client: docker.DockerClient | None = None):
        self._client = client

    @property
    def client(self) -> docker.DockerClient:
        """The engine's client, connected on first use (constructing does no I/O)."""
        if self._client is None:
            self._client = connect()
        return self._client

    def nodes(self, testbed: str) -> dict[str, Node]:
        """The testbed's containers, each inspected (side by side: the SDK's list inspects
        them one after another)."""
        listed = self.client.containers.list(all=True, sparse=True,
                                             filters={"label": f"{LABEL}={testbed}"})
        def inspect(c: Container) -> Container | None:
            try:
                return self.client.containers.get(c.id)
            except docker.errors.NotFound:  # removed meanwhile
                return None
        found = [c for c in each(inspect, listed) if c is not None]
        return {c.labels[NODE_LABEL]: Node(c.labels[NODE_LABEL], c) for c in found
                if NODE_LABEL in c.labels}

    def create(self, document: dict, project: str, config_file: str, workers: int = 8,
               progress: Callable[[str], None] = lambda _: None) -> None:
        """A container per service of the document, through the Engine API."""
        engine.up(self.client, document, project, config_file, workers, progress)

    def db_remote(self, central, database: str) -> str:
        """How this process reaches the central's NB or SB ("nb", "sb"): its unix socket
        (db_socket), since the management network lives in a fabric namespace, out of the
        host's reach (both runtimes)."""
        return self.db_socket(central, database)

    def rejoin(self, testbed: str, name: str, mtus: dict[str, int]) -> None:
        """Docker attaches a container started again to its networks itself."""

    def db_socket(self, central, database: str) -> str:
        """The central's NB or SB unix socket, reached through its mount namespace from the
        host (with settings.tls the TCP remotes take only ssl: clients with certificates)."""
        return f"unix:/proc/{central.pid}/root/run/ovn/ovn{database}_db.sock"

    def networks(self, testbed: str) -> list:
        return self.client.networks.list(filters={"label": f"{LABEL}={testbed}"})

    def node_events(self, testbed: str) -> NodeEvents:
        """The engine's own stream of a testbed's nodes changing state, as it happens."""
        return NodeEvents(self.client.events(decode=True, filters={
            "type": "container", "label": f"{LABEL}={testbed}", "event": list(ACTION_STATES)}))

    def _listed(self) -> list[dict]:
        """Every testbed container as the engine lists it, not inspected one by one: a container
        removed meanwhile (another test run's teardown) would fail the whole listing."""
        return [c.attrs for c in self.client.containers.list(all=True, sparse=True,
                                                             filters={"label": LABEL})]

    def testbeds(self) -> dict[str, int]:
        """Names of the testbeds with containers in this engine, and how many each has."""
        counts: dict[str, int] = {}
        for attrs in self._listed():
            name = (attrs.get("Labels") or {})[LABEL]
            counts[name] = counts.get(name, 0) + 1
        return counts

    def states(self) -> dict[str, list[tuple[str, str, str]]]:
        """Every testbed's containers: (node, status, created as 2026-11-28T05:09:13Z)."""
        found: dict[str, list[tuple[str, str, str]]] = {}
        for attrs in self._listed():
            labels = attrs.get("Labels") or {}
            node = labels.get(NODE_LABEL, (attrs.get("Names") or ["?"])[0].lstrip("/"))
            created = attrs.get("Created")
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created)) if created else ""
            found.setdefault(labels[LABEL], []).append((node, str(attrs.get("State", "")), stamp))
        return found

    def claims(self, testbed: str) -> bool:
        """Containers or networks of that testbed are in the engine (a crash's too)."""
        return bool(self.testbeds().get(testbed) or self.networks(testbed))

    def images(self, scenario, progress) -> dict[str, str]:
        """The node image (and each own OVN build, and the neutron node's image) the scenario's
        nodes run, built if missing."""
        from . import ovnbuild

        out = ovnbuild.node_images(self.client, scenario, progress)
        for name in scenario.nodes_with(Role.neutron):
            out[name] = images.ensure_neutron_image(self.client, scenario.settings.suite, progress)
        return out

    def remove(self, testbed: str) -> tuple[int, int]:
        """Remove the testbed's containers and networks; returns how many of each."""
        containers = self.client.containers.list(all=True,
                                                 filters={"label": f"{LABEL}={testbed}"})
        networks = self.networks(testbed)

        def remove(container: Container) -> None:
            try:
                if container.status == "paused":  # a fault left it frozen
                    container.unpause()
                container.remove(force=True)
            except docker.errors.NotFound:
                pass
        # side by side, but one at a time where Docker networks are attached: parallel removal
        # left a stale endpoint in Docker 20.10's network store (testbeds made before the
        # fabric, runtime/containers.py)
        each(remove, containers, workers=1 if networks else 8)
        for net in networks:
            def missing(net=net) -> list[str]:
                try:
                    net.remove()
                except docker.errors.NotFound:
                    pass
                except docker.errors.APIError as exc:  # the engine still releasing endpoints
                    if "active endpoints" not in str(exc):
                        raise
                    return [f"network {net.name} free of endpoints"]
                return []
            wait.until(f"network {net.name} to be removed", missing, 60, interval=0.1)
        return len(containers), len(networks)
