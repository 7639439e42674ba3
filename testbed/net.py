"""The Testbed facade: bring a scenario up on real daemons, observe it, take it down.

Data flows one way: scenario -> image -> containers -> wiring -> OVN -> readiness, each phase
timed; any failure or Ctrl-C during `up()` removes everything that was created.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from . import features, names, ovnbuild, rewire, wiring
from .errors import AlreadyUp, NotUp, TestbedError
from .host import Host
from .links import Endpoint, Inventory, Link
from .manager import compose, runtimes
from .manager.compose import NETWORKS, render
from .manager.docker import Node
from .model import HaPlacement, Role, Scenario
from .ovn import chassis as ovn_chassis
from .ovn import db, logical, modes, readiness
from .parallel import each
from .report import summary
from .tor import BACKENDS, Tor, external_segment

RUNS_DIR = Path("runs")


class Testbed:
    """A named, running copy of a scenario (`with Testbed(sc) as tb:` brings it up and down)."""

    __test__ = False  # not a pytest test class

    def __init__(self, scenario: Scenario, name: str | None = None, runs_dir: Path = RUNS_DIR,
                 progress: Callable[[str], None] = print, runtime: str = runtimes.DEFAULT):
        self.scenario = scenario
        self._loaded = scenario  # as brought up (set_fip changes self.scenario, not this)
        self.name = name or scenario.name
        self.dir = runs_dir / self.name
        self.progress = progress
        self.runtime = runtime  # docker (a container per node) or netns (testbed.manager.netns)
        self.backend = runtimes.backend(runtime)
        self.wiring = wiring.Wiring(self.name)
        self.links = Inventory()
        self.timings: dict[str, float] = {}
        self.modes: dict[str, str] = {}
        self.state_faults: list[dict] = []  # active faults (testbed.faults), saved in state.json
        self.nodes: dict[str, Node] = {}
        self.choices: features.Choices | None = None
        self.tor: Tor | None = None
        self.central_ip = ""
        self._nb: db.NbApi | None = None
        self._sb: db.SbApi | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Testbed:
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    def up(self) -> Testbed:
        if self.backend.nodes(self.name):
            raise AlreadyUp(f"a testbed named '{self.name}' is already up: "
                               f"run `testbed down {self.name}` or pick another --name")
        # a run folder a crashed or interrupted run left: its state (faults, modes) is not ours
        (self.dir / "state.json").unlink(missing_ok=True)
        try:
            self._up()
        except BaseException:
            self.progress(f"bring-up of '{self.name}' failed: removing what was created")
            self.down()
            raise
        return self

    def _up(self) -> None:
        sc = self.scenario
        self.choices = features.choose(sc)
        self.progress(f"testbed '{self.name}': datapath {self.choices.datapath}, "
                      f"ToR {self.choices.tor_backend} ({self.choices.why})")
        with self.phase("image"):
            node_images = ovnbuild.node_images(self.backend.client, sc, self.progress)
        with self.phase("containers"):
            document = render(sc, self.name, node_images, self.choices.datapath,
                              self.choices.tor_backend)
            compose.write(self.dir / "compose.yaml", document)  # `docker compose -p NAME logs`
            self.backend.create(document, self.name, str(self.dir / "compose.yaml"),
                                progress=self.progress)
            self.nodes = self.backend.nodes(self.name)
            readiness.nodes_started(self.nodes)
        with self.phase("wiring"):
            self._wire()
        with self.phase("ovn"):
            self._configure_ovn()
        with self.phase("ready"):
            readiness.wait_all(self.scenario, self.nodes, self.nb, self.sb, self.progress)
            self.modes = modes.initial(sc)
            modes.apply(sc, self.nodes, self.nb, self.sb, self.modes, self.progress, fresh=True)
            self.lease([v for v, vm in sc.vms.items() if vm.dhcp])
        self.save_state()

    @classmethod
    def attach(cls, name: str, runs_dir: Path = RUNS_DIR,
               progress: Callable[[str], None] = print) -> Testbed:
        """A handle on a testbed that is already up (brought up by another process)."""
        state_file = runs_dir / name / "state.json"
        if not state_file.exists():
            raise NotUp(f"no testbed '{name}' in {runs_dir}/ (no state.json): "
                               "bring it up with `testbed up`")
        state = json.loads(state_file.read_text())
        tb = cls(Scenario.model_validate(state["scenario"]), name, runs_dir, progress,
                 state.get("runtime", runtimes.DEFAULT))
        tb.nodes = tb.backend.nodes(name)
        if not tb.nodes:
            raise NotUp(f"testbed '{name}' has no containers: it is down")
        tb.choices = features.Choices(**state["choices"])
        tb.timings = state["timings"]
        tb.central_ip = state["central_ip"]
        tb.links = Inventory.from_json(state.get("links", []))
        tb.modes = state.get("modes") or modes.initial(tb.scenario)
        tb.state_faults = state.get("faults", [])
        tb.tor = tb._tor_backend()
        return tb

    def save_state(self) -> None:
        state = {"scenario": self.scenario.model_dump(mode="json"), "runtime": self.runtime,
                 "choices": self.choices.__dict__, "timings": self.timings,
                 "central_ip": self.central_ip, "links": self.links.to_json(),
                 "modes": self.modes, "faults": self.state_faults}
        (self.dir / "state.json").write_text(json.dumps(state, indent=1))

    def _tor_backend(self) -> Tor:
        backend = BACKENDS[self.choices.tor_backend]
        kwargs = {"datapath": self.choices.datapath} if self.choices.tor_backend == "ovs" else {}
        return backend(self.nodes[self.scenario.tor], self.scenario.chassis, self.scenario.vlans,
                       len(self.scenario.physnets), **kwargs)

    def close_db(self) -> None:
        """Close the NB and SB connections (the next use connects again)."""
        for api in (self._nb, self._sb):
            if api is not None:
                api.close()
        self._nb = self._sb = None

    def down(self) -> None:
        """Remove this testbed's containers, networks and any stray veths (logs are kept)."""
        self.close_db()
        teardown(self.name, self.dir, self.backend, self.progress)

    @contextmanager
    def phase(self, name: str):
        self.progress(f"[{name}] ...")
        start = time.monotonic()
        yield
        self.timings[name] = round(time.monotonic() - start, 3)
        self.progress(f"[{name}] done in {self.timings[name]:.2f} s")

    # --- phases ----------------------------------------------------------------------------

    def _wire(self) -> None:
        sc, n = self.scenario, self.nodes
        self._record_networks()
        tor = sc.tor

        def link(a: wiring.End, b: wiring.End) -> None:
            self.links.add(self.wiring.link(a, b, defer=True))  # b comes up in one pass below
        for name in sc.chassis:
            for i in range(len(sc.physnets)):  # a trunk per provider network
                link(wiring.End(name, n[name].pid, names.uplink(i)),
                     wiring.End(tor, n[tor].pid, names.tor_port(name, i)))
        for vname, vm in sc.vms.items():
            link(wiring.End(vname, n[vname].pid, names.VM_NIC, vm.mac),
                 wiring.End(vm.chassis, n[vm.chassis].pid, names.vm_port(vname)))
        # (node, its NIC, which external network): gateways on every one, hosts on theirs
        external = [(c, names.external_nic(i), i) for c in sc.chassis if sc.nodes[c].on_external
                    for i in range(len(sc.external_physnets))]
        external += [(h, names.VM_NIC, sc.external_index(h)) for h in sc.nodes_with(Role.external)
                     if sc.nodes[h].behind is None]
        for name in sc.nodes_with(Role.external):
            up = sc.nodes[name].behind
            if up is not None:  # a point-to-point link to its upstream host
                link(wiring.End(name, n[name].pid, names.VM_NIC),
                     wiring.End(up, n[up].pid, names.downstream_port(name)))
        for name, nic, i in external:
            link(wiring.End(name, n[name].pid, nic),
                 wiring.End(tor, n[tor].pid, names.external_port(name, i)))
        self.wiring.raise_pending()
        for i in sorted({i for _, _, i in external}):
            external_segment(n[tor], [names.external_port(name, j) for name, _, j in external
                                      if j == i], names.external_switch(i))
        hosts = [*sc.vms, *sc.nodes_with(Role.external)]
        each(lambda name: rewire.configure_host(self, name), hosts)

    def _record_networks(self) -> None:
        """Each Docker network is a link whose ends are the containers' NICs on it."""
        found: dict[str, list[Endpoint]] = {net: [] for net in NETWORKS}

        def nics(item: tuple[str, Node]) -> list[tuple[str, Endpoint]]:
            name, node = item
            macs = {net: node.address(net).mac for net in NETWORKS
                    if node.on_network(net)}
            if not macs:
                return []
            by_mac = wiring.ifnames_by_mac(node.pid, set(macs.values()))
            return [(net, Endpoint(name, by_mac[mac.lower()])) for net, mac in macs.items()]
        for pairs in each(nics, list(self.nodes.items())):
            for net, end in pairs:
                found[net].append(end)
        for net, ends in found.items():
            if ends:
                self.links.add(Link(net, "network", tuple(sorted(ends)), network=net))

    def _configure_ovn(self) -> None:
        sc, n = self.scenario, self.nodes
        self.central_ip = ovn_chassis.start_central(n[sc.central], sc.settings.probe_interval_ms)
        # connected while NB and SB are nearly empty (each property waits for its server): the
        # IDLs then follow the changes instead of fetching a full SB when every chassis registers
        self.nb, self.sb  # noqa: B018

        def configure(name: str) -> None:  # one command per chassis, VM ports included
            plan = ovn_chassis.plan(sc, name, n[name], self.central_ip,
                                    self.links.nic(name, "overlay"))
            ports = {names.vm_port(v): sc.lsp(v) for v, vm in sc.vms.items() if vm.chassis == name}
            ovn_chassis.configure(n[name], plan, self.choices.datapath, ports, readiness.TIMEOUT)
        self.tor = self._tor_backend()
        self.tor.setup()
        logical.build(self.nb, sc)
        each(configure, sc.chassis, workers=max(8, min(len(sc.chassis), 32)))

    # --- access ----------------------------------------------------------------------------

    @property
    def nb(self) -> db.NbApi:
        if self._nb is None:
            self._nb = readiness.connect(lambda: db.nb(self._db_remote("nb")), "the NB database")
        return self._nb

    @property
    def sb(self) -> db.SbApi:
        if self._sb is None:
            self._sb = readiness.connect(lambda: db.sb(self._db_remote("sb")), "the SB database")
        return self._sb

    def _db_remote(self, database: str) -> str:
        return self.backend.db_remote(self.nodes[self.scenario.central], database)

    def snapshot(self) -> dict:
        """What the testbed looks like now (JSON-able), for the summary and its picture."""
        return summary.collect(self.name, self.scenario, self.nodes, self.sb, self.choices,
                               self.tor, self.timings, self.links.to_json())

    def walk(self, source: str, destination: str, proto: str = "icmp", port: int | None = None,
             timeout: float | None = None, traces: bool = True,
             capture_on: list[str] | None = None, warm: bool = True):
        """Send one probe and follow it on every link: see testbed.walk.model for the result.
        `timeout`: seconds the probe waits for its answer (testbed.walk.probe.TIMEOUT).
        `warm`: one unmeasured ping first resolves the path (said in the notes); False walks
        the cold first packet, which OVN may consume while it resolves a next hop."""
        from .walk.probe import TIMEOUT
        from .walk.runner import walk

        timeout = TIMEOUT if timeout is None else timeout
        return walk(self, source, destination, proto, port, timeout, traces, capture_on, warm)

    @property
    def faults(self):
        """Inject and restore faults: `with tb.faults.kill("gw1", "ovs-vswitchd"): ...`."""
        from .faults import Faults

        return Faults(self)

    def reconfigure_chassis(self, name: str) -> None:
        """Apply a chassis' bridges, tunnel address and VM ports again (after ovs-vswitchd
        restarted: the userspace datapath recreates its taps without their addresses)."""
        node = self.nodes[name]
        readiness.bridge_present(self.nodes, [name], "br-ovl")
        plan = ovn_chassis.plan(self.scenario, name, node, self.central_ip,
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

    def original_nat(self, router: str, index: int):
        """A NAT entry as the scenario file has it (the running scenario may have been changed
        by set_fip); read from the state saved at bring-up."""
        return self._loaded.routers[router].nat[index]

    def restart_node(self, name: str) -> list[str]:
        """Start a stopped node again and re-wire its veths from the link inventory (they went
        with its namespace); returns the links made again, once the testbed is ready."""
        return rewire.restart_node(self, name)

    def set_mode(self, router: str, mode: str) -> float:
        """Switch one router's routing mode on the running testbed (no container restarts);
        returns the seconds until every chassis had caught up."""
        modes.check(self.scenario, router, mode)
        wanted = {**self.modes, router: mode}
        seconds = modes.apply(self.scenario, self.nodes, self.nb, self.sb, wanted, self.progress)
        self.modes = wanted
        self.save_state()
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
        ports = [p.model_copy(update={"ha_placement": how}) if p is port else p
                 for p in sc.routers[router].ports]
        routers = {**sc.routers, router: sc.routers[router].model_copy(update={"ports": ports})}
        self.scenario = sc.model_copy(update={"routers": routers})
        readiness.chassis_caught_up(self.nodes[sc.central])
        self.save_state()

    def active_gateway(self, router: str) -> str | None:
        """The chassis its gateway port is bound to now (SB Port_Binding of the cr- port)."""
        port = self.scenario.routers[router].gateway_port
        if port is None:
            return None
        cr = names.chassisredirect_port(self.scenario.router_port_name(router, port))
        rows = self.sb.db_find_rows("Port_Binding", ("logical_port", "=", cr)).execute(
            check_error=True)
        return rows[0].chassis[0].name if rows and rows[0].chassis else None

    def expect(self, source: str, destination: str):
        """What OVN should do from `source` to `destination` here (testbed.ovn.semantics),
        with the gateway chassis active now."""
        from .ovn import semantics

        sc = self.scenario
        active = {r: gw for r in sc.routers if (gw := self.active_gateway(r))}
        macs = {h: wiring.mac_of(self.nodes[h].pid, names.VM_NIC)
                for h in sc.nodes_with(Role.external)}
        return semantics.expect(sc, source, destination, active, macs, self.modes,
                                modes.active_chassis_macs(sc, self.modes))

    def host(self, name: str) -> Host:
        """A VM or external host, to ping from and capture on."""
        return Host(self.nodes[name])

    def prefix(self, switch: str) -> int:
        return ipaddress.ip_network(self.scenario.switches[switch].cidr).prefixlen

def teardown(name: str, run_dir: Path, backend: runtimes.DockerBackend | None = None,
             progress: Callable[[str], None] = print) -> None:
    """Remove everything a testbed created, by its name alone (works after a crash too).

    The containers' logs are kept in <run_dir>/logs/ first.
    """
    backend = backend or runtimes.of(name)

    def keep_logs(item) -> None:
        node_name, node = item
        try:
            logs = node.logs(tail=5000)
        except Exception:  # noqa: BLE001 - a container that is gone has no logs to keep
            return
        (run_dir / "logs").mkdir(parents=True, exist_ok=True)
        (run_dir / "logs" / f"{node_name}.log").write_bytes(logs)
    each(keep_logs, backend.nodes(name).items())
    from .observe.capture import stop_strays

    captures = stop_strays(run_dir) if run_dir.exists() else 0
    containers, networks = backend.remove(name)
    veths = wiring.Wiring(name).remove_leftovers()
    progress(f"testbed '{name}' down: {containers} containers, {networks} networks, "
             f"{veths} stray veths, {captures} stray captures removed")
