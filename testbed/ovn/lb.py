"""The scenario's load balancers written into NB: a Load_Balancer per entry (VIP:port ->
backends), attached to its routers and switches, with its health check and the mappings OVN's
service monitor needs (ip_port_mappings: backend -> "its logical port:the probes' source").

Under `naming: neutron` the rows are named as Octavia's OVN provider names them (the load
balancer's UUID, its VIP and name in external_ids).
"""

from __future__ import annotations

from ..model import Scenario
from ..model.lb import LoadBalancer, backend_ip, switch_of
from .db import NbApi


def vips(lb: LoadBalancer, sc: Scenario) -> tuple[str, list[str]]:
    """("VIP:port", ["backend:port", ...]) as OVN's Load_Balancer.vips has them."""
    return f"{lb.vip}:{lb.port}", [f"{backend_ip(sc, lb, e)}:{lb.backend(e)[1]}"
                                   for e in lb.backends]


def health_options(lb: LoadBalancer) -> dict[str, str]:
    hc = lb.health_check
    return {"interval": str(hc.interval), "timeout": str(hc.timeout),
            "success_count": str(hc.success_count), "failure_count": str(hc.failure_count)}


def port_mappings(lb: LoadBalancer, sc: Scenario) -> dict[str, tuple[str, str]]:
    """backend address -> (its logical port, the service monitor's source address)."""
    out = {}
    for entry in lb.backends:
        ip, (host, _) = backend_ip(sc, lb, entry), lb.backend(entry)
        out[ip] = (sc.lsp(host), lb.health_check.sources[switch_of(sc, ip)])
    return out


def build(nb: NbApi, sc: Scenario) -> None:
    """Every load balancer of the scenario, attached where it says (ovsdbapp's commands)."""
    neutron = sc.settings.naming == "neutron"
    for name, lb in sc.load_balancers.items():
        row = sc.lb(name)
        vip, backends = vips(lb, sc)
        columns = {"external_ids": {"neutron:vip": lb.vip, "name": name}} if neutron else {}
        if lb.selection_fields:
            columns["selection_fields"] = list(lb.selection_fields)
        nb.lb_add(row, vip, backends, protocol=lb.protocol, may_exist=True,
                  **columns).execute(check_error=True)
        with nb.transaction(check_error=True) as txn:
            for r in lb.routers:
                txn.add(nb.lr_lb_add(sc.lr(r), row, may_exist=True))
            for s in lb.switches:
                txn.add(nb.ls_lb_add(sc.ls(s), row, may_exist=True))
            if lb.health_check is not None:
                txn.add(nb.lb_add_health_check(row, vip, **health_options(lb)))
                for ip, (lsp, source) in port_mappings(lb, sc).items():
                    txn.add(nb.lb_add_ip_port_mapping(row, ip, lsp, source))
