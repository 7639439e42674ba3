"""The runtimes a testbed's nodes can run on, by name: a kind registers here and an unknown
name fails by listing the ones that exist."""

from __future__ import annotations

from ..errors import TestbedError
from .docker import DockerBackend
from .netns import NetnsBackend

RUNTIMES: dict[str, type[DockerBackend]] = {b.name: b for b in (DockerBackend, NetnsBackend)}
DEFAULT = "docker"


def backend(name: str = DEFAULT) -> DockerBackend:
    """A runtime's backend by name (docker: a container per node; netns: namespaces)."""
    try:
        return RUNTIMES[name]()
    except KeyError:
        raise TestbedError(f"no runtime '{name}': the runtimes are "
                           f"{', '.join(sorted(RUNTIMES))}") from None


def of(testbed: str) -> DockerBackend:
    """The backend of a testbed that exists, found by its name alone (after a crash too)."""
    netns = NetnsBackend()
    return netns if netns.holder(testbed) is not None else DockerBackend(netns.client)
