"""Scenario -> Compose file, and the `docker compose` / `docker-compose` driver that runs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from ..errors import EngineMissing
from ..model import Role, Scenario
from ..names import LABEL, NODE_LABEL, ROLE_LABEL, container_name

COMPOSE_DIR = Path(__file__).resolve().parent
NETWORKS = ("mgmt", "overlay")
"""Docker networks. The external network is not one: Docker's isolation rules drop routed traffic
(sources outside the network's subnet) on internal networks when the host bridges through
iptables, so it is wired with veths into a bridge in the ToR's container instead."""

_INIT_ROLE = {  # scenario role -> node-init role
    Role.central: "central", Role.gateway: "chassis", Role.compute: "chassis",
    Role.external: "host",
}


def node_networks(role: Role) -> list[str]:
    return {
        Role.central: ["mgmt"],
        Role.gateway: ["mgmt", "overlay"],
        Role.compute: ["mgmt", "overlay"],
        Role.tor: [],
        Role.external: [],
    }[role]


def render(sc: Scenario, testbed: str, image: str | dict[str, str], datapath: str,
           tor_backend: str) -> dict:
    """The Compose document of one testbed: a service per node and per VM (`image`: one for
    all, or each node's)."""
    shared = yaml.safe_load((COMPOSE_DIR / "node.yaml").read_text())

    def service(name: str, init_role: str, labels: dict[str, str], **extra) -> dict:
        role = shared["roles"][init_role]
        svc = {
            **shared["service"],
            "image": image if isinstance(image, str) else image[name],
            "container_name": container_name(testbed, name),
            "hostname": name,
            "command": [init_role],
            "cap_add": role["cap_add"],
            "environment": {"OVS_DATAPATH": datapath},
            "labels": {LABEL: testbed, NODE_LABEL: name, **labels},
            **extra,
        }
        if role["devices"]:
            svc["devices"] = role["devices"]
        return svc

    services = {}
    for name, node in sc.nodes.items():
        init_role = _INIT_ROLE.get(node.role) or ("switch" if tor_backend == "ovs" else "host")
        nets = node_networks(node.role)
        wiring = {"networks": nets} if nets else {"network_mode": "none"}
        services[name] = service(name, init_role, {ROLE_LABEL: node.role.value}, **wiring)
    for name in sc.vms:
        services[name] = service(name, "host", {ROLE_LABEL: "vm"}, network_mode="none")
    networks = {
        net: {"internal": True, "labels": {LABEL: testbed}}
        for net in NETWORKS
        if any(net in s.get("networks", []) for s in services.values())
    }
    return {"version": "2.4", "services": services, "networks": networks}


class Compose:
    """Runs Compose v2 (`docker compose`) or v1 (`docker-compose`), whichever the machine has."""

    def __init__(self, project: str, file: Path, command: list[str] | None = None):
        self.project = project
        self.file = file
        self._command = command

    @property
    def command(self) -> list[str]:
        """The Compose command line, found on first use (constructing does no I/O)."""
        if self._command is None:
            self._command = self.detect()
        return self._command

    @staticmethod
    def detect() -> list[str]:
        docker = shutil.which("docker")
        if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
            return [docker, "compose"]
        v1 = shutil.which("docker-compose")
        if v1:
            return [v1]
        raise EngineMissing("neither 'docker compose' (v2) nor 'docker-compose' (v1) is "
                            "installed; install the Compose plugin or Debian's docker-compose "
                            "package")

    def write(self, document: dict) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.file.write_text(yaml.safe_dump(document, sort_keys=False))

    def up(self) -> None:
        self.run("up", "-d", "--no-build")

    def run(self, *args: str) -> str:
        cmd = [*self.command, "-p", self.project, "-f", str(self.file), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr.strip()}")
        return proc.stdout
