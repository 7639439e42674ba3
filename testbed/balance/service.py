"""What answers on a load balancer's backends: each backend VM runs a responder on its port
that writes the VM's name on every connection (busybox nc), so a client knows which backend
it reached. The testbed starts them at bring-up; stopping one is how a backend fails.

    service.start(lab, "vm4", 8080); service.stop(lab, "vm4", 8080)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import wait
from ..model.lb import LoadBalancer

if TYPE_CHECKING:
    from ..lab import Lab

RESPONDER = 'exec busybox nc -ll -p "$1" -e hostname'
"""every connection to the port gets the VM's name (-ll: keep listening)"""


def backends(lab: Lab) -> list[tuple[str, int]]:
    """(VM, port) of every TCP backend of every load balancer that is a VM."""
    sc = lab.scenario
    out = {(lb.backend(e)[0], lb.backend(e)[1]) for lb in sc.load_balancers.values()
           if lb.protocol == "tcp" for e in lb.backends}
    return sorted((vm, port) for vm, port in out if vm in sc.vms)


def listening(lab: Lab, vm: str, port: int) -> bool:
    out = lab.nodes[vm].run(["ss", "-ltnH", f"sport = :{port}"], check=False).stdout
    return bool(out.strip())


def start(lab: Lab, vm: str, port: int, timeout: float = 10.0) -> None:
    """Start the responder (if it is not running) and wait until it listens."""
    if not listening(lab, vm, port):
        lab.nodes[vm].spawn(["sh", "-c", RESPONDER, "sh", str(port)])
    wait.until(f"{vm} to listen on port {port}", lambda: [] if listening(lab, vm, port)
               else [f"a listener on {vm}:{port}"], timeout, interval=0.05)


def stop(lab: Lab, vm: str, port: int, timeout: float = 10.0) -> None:
    """Stop the responder; connections to the port are refused from then on."""
    lab.nodes[vm].run(["pkill", "-f", f"nc -ll -p {port} "], check=False)
    wait.until(f"{vm} to stop listening on port {port}", lambda: [f"no listener on {vm}:{port}"]
               if listening(lab, vm, port) else [], timeout, interval=0.05)


def start_all(lab: Lab, only: set[str] | None = None) -> list[tuple[str, int]]:
    """Every backend's responder (or those of the VMs in `only`); returns what was started."""
    todo = [(vm, port) for vm, port in backends(lab) if only is None or vm in only]
    for vm, port in todo:
        start(lab, vm, port)
    return todo


def lb_of(lab: Lab, name: str) -> LoadBalancer:
    sc = lab.scenario
    if name not in sc.load_balancers:
        raise ValueError(f"no load balancer {name!r} in testbed {lab.name}; load balancers: "
                         + (", ".join(sc.load_balancers) or "none"))
    return sc.load_balancers[name]
