"""The `docker` runtime: a container per node, through the Engine API (docker.py), except the
VMs when the scenario sets `vm_namespaces`: those become network namespaces in one holder
container (netns.VmHolder), found beside the containers. A VM with `own_container: true` keeps
its container. Every node, container or namespace, answers the same Node interface (run,
spawn, netns), so wiring, captures, DHCP and link faults do not tell them apart."""

from __future__ import annotations

from collections.abc import Callable

from ..parallel import each
from .compose import IN_HOLDER
from .docker import DockerBackend
from .netns import VmHolder
from .runtimes import register


@register
class ContainerRuntime(DockerBackend):
    name = "docker"

    def create(self, document: dict, project: str, config_file: str, workers: int = 8,
               progress: Callable[[str], None] = lambda _: None) -> None:
        services = document["services"]
        held = {n: s for n, s in services.items() if s.get(IN_HOLDER)}
        rest = {n: s for n, s in services.items() if n not in held}
        # the holder starts beside the containers, not before them: the engine's start of one
        # container is what the holder costs, and it overlaps the others'
        steps = [lambda: super(ContainerRuntime, self).create(
            {**document, "services": rest}, project, config_file, workers, progress)]
        if held:
            steps.append(lambda: VmHolder(self.client).create(
                {"services": held}, project, config_file, workers, progress))
        each(lambda step: step(), steps, workers=2)

    def nodes(self, testbed: str):
        return {**super().nodes(testbed), **VmHolder(self.client).nodes(testbed)}
