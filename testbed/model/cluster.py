"""A clustered central: checks of the scenario's `replicas`, several central nodes and
`settings.election_timer_ms` (the clusters themselves are made by testbed/ovn/cluster.py)."""

from __future__ import annotations

from .expand import MAX_REPLICAS
from .problem import Problem
from .scenario import Role, Scenario


def check_cluster(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    centrals = sc.centrals
    if not centrals:
        out.append(Problem("nodes", "no node has role 'central'",
                           "add a node with role: central (replicas: 3 for a cluster)"))
    for name, node in sc.nodes.items():
        if node.replicas > 1 and node.role is not Role.central:
            out.append(Problem(f"nodes.{name}.replicas", "only a central has replicas (the "
                               "members of its NB and SB clusters)", "remove replicas"))
        if node.relays and node.role is not Role.central:
            out.append(Problem(f"nodes.{name}.relays", "only a central has SB relays",
                               "remove relays, or put relays: N on the central"))
    declared = [n for n in centrals if sc.nodes[n].replicas > 1]
    if len(declared) > 1:
        out.append(Problem(f"nodes.{declared[1]}.replicas", f"{len(declared)} central nodes "
                           f"have replicas ({', '.join(declared)}); a testbed has one cluster",
                           f"keep replicas on {declared[0]} only"))
    elif len(centrals) > MAX_REPLICAS:
        out.append(Problem("nodes", f"{len(centrals)} central nodes; a cluster here has at most "
                           f"{MAX_REPLICAS} members", f"keep at most {MAX_REPLICAS}"))
    if sc.settings.election_timer_ms is not None and len(centrals) < 2:
        out.append(Problem("settings.election_timer_ms", "an election timer needs a clustered "
                           "central (a standalone database elects nothing)",
                           "add replicas: 3 to the central, or remove election_timer_ms"))
    return out
