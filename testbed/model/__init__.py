"""Pure data: the scenario model and its loader. Nothing here touches Docker or the network."""

from .build import OvnBuild
from .l3 import Nat, Route, Rule, SecurityGroup
from .loader import Problem, ScenarioError, bundled, find, load, parse, with_ovn
from .neutron import with_neutron
from .scenario import (
    SUITES,
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
    with_suite,
)

__all__ = [
    "Datapath", "HaPlacement", "Nat", "Network", "Node", "OvnBuild", "Problem", "Role", "Route", "Router",
    "RouterPort", "RoutingMode", "Rule", "Scenario", "ScenarioError", "SecurityGroup", "Switch",
    "TorBackend", "Vm", "SUITES", "bundled", "find", "load", "parse", "with_neutron", "with_ovn",
    "with_suite",
]
