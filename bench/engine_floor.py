"""The container engine's own floor: as many containers as a testbed of the docker runtime
starts, each running nothing but `sleep`, created and started through the same Engine API path
(testbed/runtime/engine.py, the same workers) and removed again. What a bring-up on the docker
runtime cannot go below on this engine, whatever the testbed does inside its containers.

    from engine_floor import empty_containers   # bench/bringup.py prints it beside the runs
    seconds, storage = empty_containers(count=8, image="ovn-testbed-node:...")

Bounded: the engine's own timeouts; every container is removed, also on failure.
"""

from __future__ import annotations

import time
import uuid

from testbed.names import LABEL
from testbed.runtime import engine


def empty_containers(count: int, image: str) -> tuple[float, str]:
    """Seconds to start `count` empty containers (network none), and the engine's storage
    driver (fuse-overlayfs and overlay2 cost differently)."""
    client = engine.connect()
    project = f"bench-floor-{uuid.uuid4().hex[:6]}"
    services = {f"n{i}": {"image": image, "container_name": f"{project}-n{i}",
                          "entrypoint": ["sleep", "infinity"], "labels": {LABEL: project},
                          "network_mode": "none", "init": True, "cap_drop": ["ALL"]}
                for i in range(count)}
    started = time.monotonic()
    try:
        engine.up(client, {"services": services}, project, "")
        return time.monotonic() - started, client.info().get("Driver", "?")
    finally:
        for c in client.containers.list(all=True, filters={"label": f"{LABEL}={project}"}):
            c.remove(force=True)
