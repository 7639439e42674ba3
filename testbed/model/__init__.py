"""Pure data: the scenario model and its loader. Nothing here touches Docker or the network."""

from .l3 import Nat, Route, Rule, SecurityGroup
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
    Scenario,
    Switch,
    TorBackend,
    Vm,
)

__all__ = [
    "Datapath", "HaPlacement", "Nat", "Network", "Node", "Problem", "Role", "Route", "Router",
    "RouterPort", "RoutingMode", "Rule", "Scenario", "ScenarioError", "SecurityGroup", "Switch",
    "TorBackend", "Vm", "load", "parse",
]
