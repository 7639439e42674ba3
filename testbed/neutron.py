"""A testbed's Neutron (settings.neutron): Debian's neutron-server with ML2/OVN in the node
`neutron`, driving the testbed's own NB and SB. No Keystone (noauth: every request is an
admin of project `fake_project_id` unless its body names another), no Nova (a port is bound
by setting its `binding:host_id` to a chassis and plugging an OVS port with its id there), no
message queue (ML2/OVN needs no agents).

    start(lab)                       # at bring-up, once NB and SB answer
    wait_ready(lab, progress)        # its API answers (deadline API_DEADLINE)
    lab.nodes["neutron"].run(openstack(["network", "list", "-f", "json"]))
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from . import wait
from .model import Role
from .ovn import cluster

if TYPE_CHECKING:
    from .lab import Lab

API = "http://127.0.0.1:9696"
API_DEADLINE = 120.0
LOG = "/var/log/neutron/neutron-server.log"
MIGRATIONS = "/var/log/neutron/db-manage.log"  # an own tree's (settings.neutron.source)


def node_of(lab: Lab) -> str:
    found = lab.scenario.nodes_with(Role.neutron)
    if not found:
        raise ValueError(f"testbed {lab.name} has no Neutron: bring it up with settings.neutron: "
                         "true (or testbed up --neutron)")
    return found[0]


def start(lab: Lab) -> None:
    """neutron-server pointed at every NB and SB member, the scenario's provider networks as
    its VLAN ranges (any VLAN: the scenario says which a network uses), its floating IPs
    distributed when the scenario's are (a NAT entry with an external MAC: DVR)."""
    sc, nodes = lab.scenario, lab.nodes
    ranges = ",".join(f"{physnet}:1:4094" for physnet in sc.physnets)
    nodes[node_of(lab)].spawn(["neutron-start", cluster.remotes(sc, nodes, "nb"),
                               cluster.remotes(sc, nodes, "sb"), ranges,
                               str(distributed_fips(sc))])


def distributed_fips(sc) -> bool:
    """Whether the scenario's floating IPs are distributed (Neutron's
    enable_distributed_floating_ip, one setting for the whole cloud)."""
    return any(n.external_mac for r in sc.routers.values() for n in r.nat
               if n.type == "dnat_and_snat")


def wait_ready(lab: Lab, progress=print, deadline: float = API_DEADLINE) -> float:
    """Until the API lists networks; seconds waited. A server that exited says why (its log)."""
    node, started = lab.nodes[node_of(lab)], time.monotonic()
    probe = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"{API}/v2.0/networks"]

    def missing() -> list[str]:
        if node.run(probe, check=False).stdout.strip() == "200":
            return []
        # neutron-start runs an own tree's migrations first, then becomes neutron-server
        if not node.run(["pgrep", "-f", "neutron-start|neutron-db-manage|/usr/bin/neutron-server"],
                        check=False).ok:
            tail = node.run(["tail", "-n", "15", LOG, MIGRATIONS], check=False).stdout
            raise RuntimeError(f"neutron-server exited; the end of its logs:\n{tail}")
        return [f"Neutron's API on {node.name} ({API})"]
    wait.until("Neutron's API", missing, deadline, interval=0.25)
    waited = time.monotonic() - started
    progress(f"  ready: Neutron's API ({waited:.2f} s)")
    return waited


def openstack(args: list[str]) -> list[str]:
    """The openstack client's argv against the testbed's Neutron (run in the neutron node)."""
    return ["openstack", "--os-auth-type", "none", "--os-endpoint", API, *args]


def call(lab: Lab, args: list[str]) -> object:
    """`openstack ARGS -f json` in the neutron node; the parsed output."""
    out = lab.nodes[node_of(lab)].exec(openstack([*args, "-f", "json"]))
    return json.loads(out) if out.strip() else None


def api(lab: Lab):
    """Neutron's REST API from the harness, connected inside the neutron node's namespace (the
    management network is out of the host's reach): JSON in and out, no client process per
    request."""
    from .neutron_build import Api

    return Api(API, netns=lab.nodes[node_of(lab)].netns)


def build_logical(lab: Lab, progress=print):
    """The scenario's logical part written by Neutron (neutron_build.py) once its API answers;
    the scenario as it is now, with the IDs and MACs Neutron chose."""
    from .neutron_build import build

    sc = lab.scenario
    wait_ready(lab, progress)
    started = time.monotonic()
    ids = build(api(lab), sc)
    for name, sw in sc.switches.items():  # localnets are named by Neutron's segment IDs
        if sw.network.value != "tenant":
            ls = f"neutron-{ids[f'network/{name}']}"
            for port in lab.nb.ls_get(ls).execute(check_error=True).ports:
                if port.type == "localnet":
                    ids[f"localnet/{name}"] = port.name
    routers = {r: router.model_copy(update={"ports": [
        p.model_copy(update={"mac": ids.get(f"mac/{r}/{p.switch}", p.mac),
                             "gateway_chassis": scheduled(lab, ids[f"port/{r}/{p.switch}"])
                             or p.gateway_chassis}) for p in router.ports],
        "nat": [n.model_copy(update={"external_mac": ids[f"fipmac/{n.external_ip}"]})
                if n.external_mac and f"fipmac/{n.external_ip}" in ids else n
                for n in router.nat]})
        for r, router in sc.routers.items()}
    progress(f"  Neutron built the logical part: {len(ids)} objects "
             f"({time.monotonic() - started:.2f} s)")
    return sc.model_copy(update={"neutron_ids": ids, "routers": routers})


def settled(lab: Lab, progress=print, deadline: float = 60.0) -> float:
    """Until Neutron has done what it does once the VMs' ports are up: a distributed floating
    IP carries its external MAC and port in NB only from then on (before, it is answered on
    the gateway chassis, and a neighbour that asked then keeps the gateway's MAC). Woken by
    NB's NAT changes; seconds waited."""
    if not distributed_fips(lab.scenario):
        return 0.0
    started = time.monotonic()

    def missing() -> list[str]:
        return [f"floating IP {nat.external_ip}'s external_mac in NB"
                for nat in lab.nb.idl.tables["NAT"].rows.values()
                if nat.type == "dnat_and_snat" and not nat.external_mac]
    with lab.nb.changes("NAT") as changed:
        wait.until("Neutron to distribute the floating IPs", missing, deadline, interval=1,
                   wake=changed)
    waited = time.monotonic() - started
    progress(f"  ready: Neutron distributed the floating IPs ({waited:.2f} s)")
    return waited


def scheduled(lab: Lab, port_id: str) -> dict[str, int]:
    """Where Neutron scheduled a router's gateway port: chassis -> priority (its
    Gateway_Chassis rows; empty for a port that is not a gateway port)."""
    lrp = lab.nb.lrp_get(f"lrp-{port_id}").execute(check_error=True)
    return {g.chassis_name: g.priority for g in lrp.gateway_chassis}
