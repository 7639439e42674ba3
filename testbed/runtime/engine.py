"""Create a testbed's networks and containers through the Docker Engine API, side by side.

The Compose document (runs/<name>/compose.yaml, written first) stays the description, and
every object carries Compose's labels, so `docker compose -p NAME logs/exec/ps` (or
`docker-compose`) still finds them; but the Compose CLI created containers one request at a
time, which made containers the slowest phase at scale. Here each container is created,
attached and started in a pool of workers.
"""

from __future__ import annotations

from collections.abc import Callable

import docker

from ..errors import EngineMissing
from ..parallel import each

COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_NETWORK = "com.docker.compose.network"
COMPOSE_EXTRA = {"com.docker.compose.container-number": "1",
                 "com.docker.compose.oneoff": "False"}


def network_name(project: str, net: str) -> str:
    return f"{project}_{net}"


def up(client: docker.DockerClient, document: dict, project: str, config_file: str,
       workers: int = 8, progress: Callable[[str], None] = lambda _: None) -> None:
    """Create the document's networks, then its services' containers (created, attached to
    their networks, started), `workers` at a time."""
    for net, spec in document.get("networks", {}).items():
        client.networks.create(
            network_name(project, net), driver="bridge", internal=bool(spec.get("internal")),
            options=spec.get("driver_opts"),
            labels={**spec.get("labels", {}), COMPOSE_PROJECT: project, COMPOSE_NETWORK: net})

    def start(item: tuple[str, dict]) -> None:
        service, svc = item
        nets = svc.get("networks", [])
        labels = {**svc.get("labels", {}), COMPOSE_PROJECT: project, COMPOSE_SERVICE: service,
                  "com.docker.compose.project.config_files": config_file, **COMPOSE_EXTRA}
        container = client.containers.create(
            svc["image"], command=svc.get("command"), entrypoint=svc.get("entrypoint"),
            name=svc["container_name"],
            hostname=svc.get("hostname"), environment=svc.get("environment"), labels=labels,
            cap_drop=svc.get("cap_drop"), cap_add=svc.get("cap_add") or None,
            devices=svc.get("devices"), sysctls={k: str(v) for k, v in
                                                 svc.get("sysctls", {}).items()} or None,
            init=svc.get("init"), detach=True, cpu_shares=svc.get("cpu_shares"),
            volumes=svc.get("volumes"),
            network=network_name(project, nets[0]) if nets else None,
            network_mode=None if nets else svc.get("network_mode", "none"))
        for net in nets[1:]:
            client.networks.get(network_name(project, net)).connect(container)
        container.start()
    progress(f"starting {len(document['services'])} containers, {workers} at a time")
    each(start, document["services"].items(), workers)


def connect() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        raise EngineMissing(f"no Docker engine answers ({exc}); start dockerd or set "
                            "DOCKER_HOST") from None
