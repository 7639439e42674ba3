"""Routing modes: how a router routes East/West over VLAN provider networks, switchable live.

Each mode registers itself in MODES; asking for one that does not exist lists those that do.

    distributed  the sending chassis routes; frames leave with the router port's MAC
    chassis-mac  the sending chassis routes; frames leave with that chassis' own MAC
                 (ovn-chassis-mac-mappings on every chassis)
    centralized  the active gateway chassis routes: options:reside-on-redirect-chassis=true on
                 the router's VLAN ports (needs a gateway port)
    bridged      chassis MACs, and options:redirect-type=bridged on the gateway port: traffic
                 for the gateway goes over the VLAN of the gateway port's switch, not the overlay

Chassis MAC mappings are a chassis setting, not a router's: one router in a mode that uses them
makes every router's routed VLAN traffic leave with chassis MACs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import names, wait
from ..model import Network, RoutingMode, Scenario
from ..parallel import each
from ..runtime.base import Node
from . import readiness
from .db import NbApi, SbApi

MAPPINGS = "ovn-chassis-mac-mappings"


@dataclass(frozen=True)
class Mode:
    """A routing mode as this module applies it: its flags come from model.RoutingMode."""

    kind: RoutingMode
    summary: str

    @property
    def name(self) -> str:
        return self.kind.value


MODES: dict[str, Mode] = {}


def register(mode: Mode) -> Mode:
    MODES[mode.name] = mode
    return mode


register(Mode(RoutingMode.distributed,
              "the sending chassis routes; frames carry the router port's MAC"))
register(Mode(RoutingMode.chassis_mac,
              "the sending chassis routes; frames carry the sending chassis' MAC"))
register(Mode(RoutingMode.centralized,
              "the active gateway chassis routes (reside-on-redirect-chassis)"))
register(Mode(RoutingMode.bridged,
              "chassis MACs, and the gateway port is reached over VLAN (redirect-type=bridged)"))


def get(name: str) -> Mode:
    if name not in MODES:
        raise ValueError(f"unknown routing mode {name!r}; modes: {', '.join(MODES)}")
    return MODES[name]


def initial(sc: Scenario) -> dict[str, str]:
    return {rname: router.mode.value for rname, router in sc.routers.items()}


def chassis_macs(sc: Scenario) -> dict[str, str]:
    """The MAC each chassis uses when chassis MACs are on: the scenario's, else generated."""
    return {c: sc.nodes[c].chassis_mac or names.generated_chassis_mac(c) for c in sc.chassis}


def check(sc: Scenario, router: str, mode: str) -> Mode:
    m = get(mode)
    if router not in sc.routers:
        raise ValueError(f"no router {router!r}; routers: {', '.join(sorted(sc.routers)) or '(none)'}")
    if m.kind.needs_gateway_port and sc.routers[router].gateway_port is None:
        raise ValueError(f"mode {mode!r} needs a gateway port on {router}, which has none")
    return m


def apply(sc: Scenario, nodes: dict[str, Node], nb: NbApi, sb: SbApi, modes: dict[str, str],
          progress: Callable[[str], None] = lambda _: None, timeout: float = 30.0,
          fresh: bool = False) -> float:
    """Configure every router's mode; return the seconds until every chassis had caught up.

    Waits on the databases: the SB Chassis rows show (or no longer show) the chassis MAC
    mappings, then `ovn-nbctl --wait=hv sync` returns once every chassis has the flows.
    `fresh`: at bring-up (nothing set before, so nothing to remove)."""
    for rname, mode in modes.items():
        check(sc, rname, mode)
    macs_on = any(get(m).kind.chassis_macs for m in modes.values())
    macs = chassis_macs(sc)
    def mappings(c: str) -> None:
        if macs_on:
            nodes[c].exec(["ovs-vsctl", "set", "Open_vSwitch", ".",
                           f"external_ids:{MAPPINGS}=" + ",".join(
                               f"{p}:{macs[c]}" for p in sc.physnets)])
        else:
            nodes[c].exec(["ovs-vsctl", "remove", "Open_vSwitch", ".", "external_ids", MAPPINGS])
    if macs_on or not fresh:  # a fresh testbed has no mappings to take away
        each(mappings, sc.chassis, workers=max(8, min(len(sc.chassis), 32)))
    with nb.transaction(check_error=True) as txn:
        def option(lrp: str, key: str, value: str | None) -> None:
            """Set an LRP option, or remove it when `value` is None."""
            txn.add(nb.db_set("Logical_Router_Port", lrp, ("options", {key: value}))
                    if value is not None else
                    nb.db_remove("Logical_Router_Port", lrp, "options", key, if_exists=True))

        for rname, mode in modes.items():
            m = get(mode)
            for port in sc.routers[rname].ports:
                lrp = sc.router_port_name(rname, port)
                if sc.switches[port.switch].network is Network.provider:
                    option(lrp, "reside-on-redirect-chassis", "true" if m.kind.reside_on_gateway else None)
                if port.gateway_chassis:
                    option(lrp, "redirect-type", "bridged" if m.kind.bridged_redirect else None)

    def mappings_missing() -> list[str]:
        rows = {c.name: dict(c.other_config) for c in sb.chassis_list().execute(check_error=True)}
        if macs_on:
            return [f"{MAPPINGS} of {c} in SB" for c in sc.chassis
                    if macs[c] not in rows.get(c, {}).get(MAPPINGS, "")]
        return [f"{MAPPINGS} of {c} gone from SB" for c in sc.chassis
                if rows.get(c, {}).get(MAPPINGS)]
    with sb.changes("Chassis") as changed:
        seconds = wait.until("chassis MAC mappings in SB", mappings_missing, timeout,
                             interval=0.5, wake=changed)
    readiness.chassis_caught_up(sc, nodes, timeout)
    progress(f"  modes {', '.join(f'{r}={m}' for r, m in modes.items())} in effect")
    return seconds


def active_chassis_macs(sc: Scenario, modes: dict[str, str]) -> dict[str, str]:
    """chassis -> the MAC its routed VLAN frames carry now ({} when chassis MACs are off)."""
    return chassis_macs(sc) if any(get(m).kind.chassis_macs for m in modes.values()) else {}


__all__ = ["MODES", "Mode", "RoutingMode", "active_chassis_macs", "apply", "check", "get"]
