"""A chassis presenting the wrong certificate (settings.tls): its key and certificate replaced by
ones a CA of nobody's issued, its Chassis row removed from SB and its ovn-controller started
again, so it must register anew and cannot. Restore puts its own key and certificate back and
starts ovn-controller again; the chassis registers as at bring-up.

    with tb.faults.scoped("bad-cert", "gw2"): ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import FaultError
from ..ovn import pki
from .kinds import FAULTS, Fault, Kind, register

if TYPE_CHECKING:
    from ..lab import Lab

SAVED = f"{pki.DIR}/own"


def _restart_controller(lab: Lab, node: str) -> None:
    """The kill fault done and undone at once: ovn-controller starts again with what is on
    disk now."""
    kill = Fault("kill", node, "ovn-controller")
    FAULTS["kill"].inject(lab, kill)
    FAULTS["kill"].restore(lab, kill)


@register
class BadCert(Kind):
    name = "bad-cert"

    def inject(self, lab, f):
        sc = lab.scenario
        if not sc.settings.tls:
            raise FaultError(f"testbed {lab.name} runs OVSDB without TLS (settings.tls): no "
                             "certificate to make wrong")
        if f.node not in sc.chassis:
            raise FaultError(f"{f.node} is no chassis; bad-cert takes one of "
                             f"{', '.join(sc.chassis)}")
        node = lab.nodes[f.node]
        node.exec(["sh", "-c", 'mkdir -p "$1" && cp "$2/key.pem" "$2/cert.pem" "$1/"', "sh",
                   SAVED, pki.DIR])
        rogue = pki.Pki.create("rogue")  # a CA the testbed's servers do not trust
        pki.install(node, *rogue.issue(f.node), pki.Pki.load(lab.dir / "pki").ca_pem)
        _restart_controller(lab, f.node)  # a live session was made with the good one
        central = lab.nodes[sc.central]
        central.exec([*lab.tool("ovn-sbctl"), "--if-exists", "chassis-del", f.node])

    def restore(self, lab, f):
        lab.nodes[f.node].exec(["sh", "-c", 'cp "$1/key.pem" "$1/cert.pem" "$2/" && '
                                'rm -rf "$1"', "sh", SAVED, pki.DIR])
        _restart_controller(lab, f.node)
