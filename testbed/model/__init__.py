"""Pure data: the scenario model and its loader. Nothing here touches Docker or the network."""

from .loader import Problem, ScenarioError, load, parse
from .scenario import (
    Datapath,
    HaPlacement,
    Network,
    Node,
    Role,
    Router,
    RouterPort,
    RoutingMode,
    Rule,
    Scenario,
    SecurityGroup,
    Switch,
    TorBackend,
    Vm,
)

__all__ = [
    "Datapath", "HaPlacement", "Network", "Node", "Problem", "Role", "Router", "RouterPort",
    "RoutingMode", "Rule", "Scenario", "ScenarioError", "SecurityGroup", "Switch", "TorBackend",
    "Vm", "load", "parse",
]
