"""The Lab: what a running testbed is, as state the layers below the Testbed receive.

    lab = tb.lab                         # or Lab.load("lab", Path("runs")) in another process
    lab.scenario, lab.nodes, lab.links   # the model, the runtime's nodes, the link inventory
    lab.nb, lab.sb, lab.tor              # OVSDB connections and the ToR switch
    lab.modes, lab.state_faults          # what changed since bring-up; save() keeps it

Walks, faults, flaps, failovers and re-wiring take a Lab, never the Testbed that made it, so
nothing below `testbed.net` imports it. The Lab knows no runtime beyond its interface: nodes
with `run`, `address`, `netns` and declared capabilities, and a backend that lists them.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from pathlib import Path

from . import features, names, wiring
from .errors import DatabaseDown, NotUp, TestbedError
from .host import Host
from .links import Inventory
from .model import HaPlacement, Role, Scenario
from .ovn import chassis as ovn_chassis
from .ovn import cluster, db, logical, modes, readiness
from .runtime import runtimes
from .tor import BACKENDS, Tor

RUNS_DIR = Path("runs")
REASK = 30.0
"""Seconds a database that did not answer is taken as down without asking again."""
ATTACHED_DB_TIMEOUT = 3.0
"""Seconds a testbed that is up gets to answer on NB or SB before a verb says it is down and
goes on without it (bring-up waits readiness.TIMEOUT)."""


class Lab:
    """A running testbed's scenario, nodes, links, switch, databases and changed state."""

    def __init__(self, scenario: Scenario, name: str, runs_dir: Path = RUNS_DIR,
                 progress: Callable[[str], None] = print, runtime: str = runtimes.DEFAULT):
        self.scenario = scenario
        self.loaded = scenario  # as brought up (set_fip changes self.scenario, not this)
        self.name = name
        self.dir = runs_dir / name
        self.progress = progress
        self.runtime = runtime  # docker (a container per node) or netns (testbed.runtime.netns)
        self.backend = runtimes.backend(runtime)
        self.wiring = wiring.Wiring(name)
        self.links = Inventory()
        self.timings: dict[str, float] = {}
        self.modes: dict[str, str] = {}
        self.state_faults: list[dict] = []  # active faults (testbed.faults), saved in state.json
        self.nodes: dict = {}
        self.choices: features.Choices | None = None
        self.tor: Tor | None = None
        self.central_ip = ""
        self._nb: db.NbApi | None = None
        self._sb: db.SbApi | None = None
        self.db_timeout = readiness.TIMEOUT  # while it comes up, a database may take long
        self.unreachable: dict[str, str] = {}  # database -> why it did not answer last time
        self._asked: dict[str, float] = {}  # database -> when it last did not answer

    # --- saved state -----------------------------------------------------------------------

    @classmethod
    def load(cls, name: str, runs_dir: Path = RUNS_DIR,
             progress: Callable[[str], None] = print) -> Lab:
        """The Lab of a testbed that is up (brought up by this or another process)."""
        state_file = runs_dir / name / "state.json"
        if not state_file.exists():
            raise NotUp(f"no testbed '{name}' in {runs_dir}/ (no state.json): "
                        "bring it up with `testbed up`")
        state = json.loads(state_file.read_text())
        lab = cls(Scenario.model_validate(state["scenario"]), name, runs_dir, progress,
                  state.get("runtime", runtimes.DEFAULT))
        lab.nodes = lab.backend.nodes(name)
        if not lab.nodes:
            raise NotUp(f"testbed '{name}' has no containers: it is down")
        lab.choices = features.Choices(**state["choices"])
        lab.timings = state["timings"]
        lab.central_ip = state["central_ip"]
        lab.links = Inventory.from_json(state.get("links", []))
        lab.modes = state.get("modes") or modes.initial(lab.scenario)
        lab.state_faults = state.get("faults", [])
        lab.tor = lab.tor_backend()
        lab.db_timeout = ATTACHED_DB_TIMEOUT
        return lab

    def save(self) -> None:
        state = {"scenario": self.scenario.model_dump(mode="json"), "runtime": self.runtime,
                 "choices": self.choices.__dict__, "timings": self.timings,
                 "central_ip": self.central_ip, "links": self.links.to_json(),
                 "modes": self.modes, "faults": self.state_faults}
        (self.dir / "state.json").write_text(json.dumps(state, indent=1))

    def tor_backend(self) -> Tor:
        """A handle on the ToR switch of the backend chosen at bring-up."""
        backend = BACKENDS[self.choices.tor_backend]
        kwargs = {"datapath": self.choices.datapath} if self.choices.tor_backend == "ovs" else {}
        return backend(self.nodes[self.scenario.tor], self.scenario.chassis, self.scenario.vlans,
                       len(self.scenario.physnets), **kwargs)

    # --- databases -------------------------------------------------------------------------

    @property
    def nb(self) -> db.NbApi:
        if self._nb is None:
            self._nb = self._connect("nb", db.nb)
        return self._nb

    @property
    def sb(self) -> db.SbApi:
        if self._sb is None:
            self._sb = self._connect("sb", db.sb)
        return self._sb

    def _connect(self, database: str, client):
        """A client of NB or SB; DatabaseDown when it does not answer within db_timeout, and
        at once for REASK seconds after that (a walk asks several times; a restored server is
        asked again)."""
        if time.monotonic() - self._asked.get(database, -REASK) < REASK:
            raise DatabaseDown(self.unreachable[database])
        remote = self._db_remote(database)
        try:
            api = readiness.connect(lambda: client(remote), f"the {database.upper()} database "
                                    f"({remote})", self.db_timeout)
        except DatabaseDown as exc:
            self.unreachable[database], self._asked[database] = str(exc), time.monotonic()
            raise
        self.unreachable.pop(database, None)
        return api

    def try_sb(self) -> db.SbApi | None:
        """The SB client, or None when SB does not answer (`unreachable` says why): for
        what can go on without it (a walk's captures, `show`'s nodes)."""
        try:
            return self.sb
        except DatabaseDown:
            return None

    def _db_remote(self, database: str) -> str:
        """The harness' remote of a database: every member's, comma-separated, when the
        central is clustered (the client stays with the leader). The runtime's remote is the
        member's unix socket, which needs no certificate under settings.tls either."""
        return ",".join(self.backend.db_remote(self.nodes[c], database)
                        for c in self.scenario.centrals)

    @property
    def sb_remote(self) -> str:
        """SB as the chassis reach it (their ovn-remote): its relays, or every member."""
        return cluster.chassis_remotes(self.scenario, self.nodes)

    def tool(self, argv0: str) -> list[str]:
        """The start of ovn-nbctl's, ovn-sbctl's or ovn-trace's argv in the central node
        (cluster.tool): the one home of how those tools reach NB and SB."""
        return cluster.tool(self.scenario, self.nodes, argv0)

    def close_db(self) -> None:
        """Close the NB and SB connections (the next use connects again)."""
        for api in (self._nb, self._sb):
            if api is not None:
                api.close()
        self._nb = self._sb = None
        self.unreachable.clear()
        self._asked.clear()

    # --- queries ---------------------------------------------------------------------------

    def node(self, name: str):
        """A node by name: `run`, `exec`, `address`, `testinfra` (a testinfra host)."""
        if name not in self.nodes:
            raise KeyError(f"no node {name!r} in testbed {self.name}; nodes: "
                           f"{', '.join(sorted(self.nodes))}")
        return self.nodes[name]

    def host(self, name: str) -> Host:
        """A VM or external host, to ping from and capture on."""
        return Host(self.nodes[name])

    def prefix(self, switch: str) -> int:
        return ipaddress.ip_network(self.scenario.switches[switch].cidr).prefixlen

    def original_nat(self, router: str, index: int):
        """A NAT entry as the scenario file has it (the running scenario may have been changed
        by set_fip)."""
        return self.loaded.routers[router].nat[index]

    def active_gateway(self, router: str, via: str | None = None) -> str | None:
        """The chassis its gateway port is bound to now (SB Port_Binding of the cr- port);
        `via`: the switch of the gateway port, when the router has several."""
        ports = self.scenario.routers[router].gateway_ports
        port = next((p for p in ports if via is None or p.switch == via), None)
        if port is None:
            return None
        cr = names.chassisredirect_port(self.scenario.router_port_name(router, port))
        rows = self.sb.db_find_rows("Port_Binding", ("logical_port", "=", cr)).execute(
            check_error=True)
        return rows[0].chassis[0].name if rows and rows[0].chassis else None

    def expect(self, source: str, destination: str, size: int | None = None,
               ipv6: bool = False):
        """What OVN should do from `source` to `destination` here (testbed.ovn.semantics),
        with the gateway chassis active now; `size`: a packet of that many bytes with
        don't-fragment, lost where it does not fit (testbed.ovn.pathmtu.sized); `ipv6`:
        between the hosts' IPv6 addresses (routed, never NATed; the hop limit a VM took from
        OVN's router advertisement)."""
        from .model.ipv6 import dynamic, without_nat
        from .ovn import ipv6 as ovn_ipv6
        from .ovn import pathmtu, semantics

        sc = without_nat(self.scenario) if ipv6 else self.scenario
        active = {r: gw for r in sc.routers if (gw := self.active_gateway(r))}
        macs = {h: wiring.mac_of(self.nodes[h].netns, names.VM_NIC)
                for h in sc.nodes_with(Role.external)}
        e = semantics.expect(sc, source, destination, active, macs, self.modes,
                             modes.active_chassis_macs(sc, self.modes))
        if ipv6:
            e = semantics.for_ipv6(e, sc.host_ip(source, ipv6=True),
                                   ovn_ipv6.RA_HOP_LIMIT if source in sc.vms and
                                   dynamic(sc, source) else semantics.TTL)
        return e if size is None else pathmtu.sized(sc, e, size)

    def path_mtu(self, a: str, b: str):
        """The largest packet a and b exchange with don't-fragment, as predicted
        (testbed.ovn.pathmtu.PathMtu); `testbed mtu` measures it."""
        from .ovn import pathmtu

        return pathmtu.round_trip(self.scenario, self.expect(a, b), self.expect(b, a))

    # --- live changes ----------------------------------------------------------------------

    def reconfigure_chassis(self, name: str) -> None:
        """Apply a chassis' bridges, tunnel address and VM ports again (after ovs-vswitchd
        restarted: the userspace datapath recreates its taps without their addresses)."""
        node = self.nodes[name]
        readiness.bridge_present(self.nodes, [name], "br-ovl")
        plan = ovn_chassis.plan(self.scenario, name, node, self.sb_remote,
                                self.links.nic(name, "overlay"))
        ovn_chassis.configure(node, plan, self.choices.datapath)

    def lease(self, vms: list[str]) -> None:
        """VMs that take their address from OVN's DHCP ask for it; each must get the
        address its port has."""
        for vname in vms:
            got = self.host(vname).dhcp()
            want = self.scenario.vms[vname].ip
            if got.ip != want:
                raise TestbedError(f"{vname} got {got.ip} from DHCP, its port has {want}")
            self.progress(f"  {vname}: DHCP lease {got.ip}/{got.prefix} from {got.server_id} "
                          f"({got.server_mac}), router {got.router}, mtu {got.mtu}")

    def autoconf6(self, vms: list[str]) -> None:
        """VMs on switches with an ipv6_mode configure IPv6 themselves (router advertisement,
        DHCPv6); each must end with the address its port has and a default router."""
        from .parallel import each

        sc = self.scenario

        def one(vname: str) -> None:
            vm = sc.vms[vname]
            mode = sc.switches[vm.switch].ipv6_mode
            got = self.host(vname).autoconf6(mode)
            if not got.has(vm.ip6):
                raise TestbedError(f"{vname} has {', '.join(got.addresses) or 'no address'} "
                                   f"after IPv6 {mode}, its port has {vm.ip6}")
            self.progress(f"  {vname}: IPv6 {mode}: {', '.join(got.addresses)}, router "
                          f"{got.router}" + (f", DNS {' '.join(got.dns)}" if got.dns else ""))
        each(one, vms)

    def set_mode(self, router: str, mode: str) -> float:
        """Switch one router's routing mode on the running testbed (no container restarts);
        returns the seconds until every chassis had caught up."""
        modes.check(self.scenario, router, mode)
        wanted = {**self.modes, router: mode}
        seconds = modes.apply(self.scenario, self.nodes, self.nb, self.sb, wanted, self.progress)
        self.modes = wanted
        self.save()
        return seconds

    def set_placement(self, router: str, placement: str) -> None:
        """Write a router's gateway scheduling the other way OVN offers (Gateway_Chassis rows
        or an HA_Chassis_Group) on the running testbed; returns once every chassis has it."""
        sc = self.scenario
        port = sc.routers[router].gateway_port
        if port is None:
            raise ValueError(f"router {router} has no gateway port to place")
        how = HaPlacement(placement)
        logical.place_gateway(self.nb, sc.router_port_name(router, port), port.gateway_chassis,
                              how)
        self._port_changed(router, port, ha_placement=how)

    def set_gateway_mtu(self, router: str, mtu: int | None) -> None:
        """Set (None: remove) a router's gateway_mtu on the running testbed, NB and scenario
        both; returns once every chassis has it."""
        sc = self.scenario
        port = sc.routers[router].gateway_port if router in sc.routers else None
        if port is None:
            raise ValueError(f"router {router!r} has no gateway port; routers with one: "
                             + ", ".join(r for r, rt in sc.routers.items() if rt.gateway_port))
        lrp = sc.router_port_name(router, port)
        if mtu is None:
            self.nb.db_remove("Logical_Router_Port", lrp, "options", "gateway_mtu",
                              if_exists=True).execute(check_error=True)
        else:
            self.nb.db_set("Logical_Router_Port", lrp,
                           ("options", {"gateway_mtu": str(mtu)})).execute(check_error=True)
        self._port_changed(router, port, gateway_mtu=mtu)

    def _port_changed(self, router: str, port, **update) -> None:
        """A router port changed in NB: the running scenario follows, every chassis catches
        up, the state is saved."""
        sc = self.scenario
        ports = [p.model_copy(update=update) if p is port else p
                 for p in sc.routers[router].ports]
        routers = {**sc.routers, router: sc.routers[router].model_copy(update={"ports": ports})}
        self.scenario = sc.model_copy(update={"routers": routers})
        readiness.chassis_caught_up(sc, self.nodes)
        self.save()
