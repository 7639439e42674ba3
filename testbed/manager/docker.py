"""Containers of a testbed through the Docker SDK: find them by label, run commands, remove them."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cached_property

import docker
import docker.errors
from docker.models.containers import Container

from .compose import LABEL


class CommandError(RuntimeError):
    def __init__(self, node: str, cmd: str, rc: int, output: str):
        self.rc, self.output = rc, output
        super().__init__(f"{node}: `{cmd}` exited {rc}: {output.strip()[-800:]}")


@dataclass
class Node:
    """One running container of a testbed (a chassis, the ToR, a VM, ...)."""

    name: str
    container: Container

    @property
    def role(self) -> str:
        return self.container.labels.get("ovn-testbed.role", "")

    @cached_property
    def pid(self) -> int:
        self.container.reload()
        return int(self.container.attrs["State"]["Pid"])

    def exec(self, cmd: str | list[str], check: bool = True) -> str:
        """Run a command in the container (a string goes through sh -c); return its output."""
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else cmd
        rc, out = self.container.exec_run(argv, demux=False)
        text = (out or b"").decode(errors="replace")
        if check and rc != 0:
            raise CommandError(self.name, cmd if isinstance(cmd, str) else shlex.join(cmd), rc, text)
        return text

    def spawn(self, cmd: str) -> None:
        """Start a command in the background (it outlives this call)."""
        self.container.exec_run(["sh", "-c", cmd], detach=True)

    def network(self, key: str) -> dict:
        """Docker's view of this node on one of the testbed's networks (IPAddress, MacAddress...)."""
        self.container.reload()
        for name, net in self.container.attrs["NetworkSettings"]["Networks"].items():
            if name.endswith(f"_{key}"):
                return net
        raise KeyError(f"{self.name} is not on the {key} network")


class DockerBackend:
    """Finds and removes what a testbed created in the Docker engine, by its name label."""

    def __init__(self, client: docker.DockerClient | None = None):
        self.client = client or connect()

    def nodes(self, testbed: str) -> dict[str, Node]:
        found = self.client.containers.list(all=True, filters={"label": f"{LABEL}={testbed}"})
        return {c.labels["ovn-testbed.node"]: Node(c.labels["ovn-testbed.node"], c) for c in found}

    def networks(self, testbed: str) -> list:
        return self.client.networks.list(filters={"label": f"{LABEL}={testbed}"})

    def testbeds(self) -> dict[str, int]:
        """Names of the testbeds with containers in this engine, and how many each has."""
        counts: dict[str, int] = {}
        for c in self.client.containers.list(all=True, filters={"label": LABEL}):
            counts[c.labels[LABEL]] = counts.get(c.labels[LABEL], 0) + 1
        return counts

    def remove(self, testbed: str) -> tuple[int, int]:
        """Remove the testbed's containers and networks; returns how many of each."""
        containers = list(self.nodes(testbed).values())
        for node in containers:
            try:
                node.container.remove(force=True)
            except docker.errors.NotFound:
                pass
        networks = self.networks(testbed)
        for net in networks:
            try:
                net.remove()
            except docker.errors.NotFound:
                pass
        return len(containers), len(networks)


def connect() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        raise RuntimeError(f"no Docker engine answers ({exc}); start dockerd or set DOCKER_HOST") from None
