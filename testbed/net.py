"""The Testbed facade: bring a scenario up on real daemons, observe it, take it down.

Data flows one way: scenario -> image -> containers -> wiring -> OVN -> readiness, each phase
timed; any failure or Ctrl-C during `up()` removes everything that was created.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from . import features, names, neutron, rewire, wiring
from .balance import service
from .errors import AlreadyUp
from .faults import impair
from .lab import RUNS_DIR, Lab
from .links import Endpoint, Link
from .model import Role, Scenario
from .model.ipv6 import dynamic
from .ovn import chassis as ovn_chassis
from .ovn import cluster, logical, modes, pki, readiness
from .parallel import each
from .report import summary
from .runtime import compose, runtimes
from .runtime.base import Node
from .runtime.compose import NETWORKS, render
from .tor import external_segment


class Testbed:
    """A named, running copy of a scenario (`with Testbed(sc) as tb:` brings it up and down)."""

    __test__ = False  # not a pytest test class

    def __init__(self, scenario: Scenario, name: str | None = None, runs_dir: Path = RUNS_DIR,
                 progress: Callable[[str], None] = print, runtime: str = runtimes.DEFAULT):
        object.__setattr__(self, "lab", Lab(scenario, name or scenario.name, runs_dir, progress,
                                            runtime))

    # The Lab's state and queries read and write through the Testbed (tb.nodes, tb.nb,
    # tb.set_mode(...)): the Testbed adds bring-up, take-down and the experiments' entry points.
    def __getattr__(self, name: str):
        if name == "lab":
            raise AttributeError(name)
        return getattr(self.lab, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.lab, name, value)

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Testbed:
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    def up(self) -> Testbed:
        if self.backend.nodes(self.name):
            raise AlreadyUp(f"a testbed named '{self.name}' is already up: "
                               f"run `testbed down {self.name}` or pick another --name")
        features.refuse_unsupported(self.scenario)  # before anything starts
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
            node_images = self.backend.images(sc, self.progress)
        with self.phase("containers"):
            document = render(sc, self.name, node_images, self.choices.datapath,
                              self.choices.tor_backend)
            compose.write(self.dir / "compose.yaml", document)  # `docker compose -p NAME logs`
            self.backend.create(document, self.name, str(self.dir / "compose.yaml"),
                                progress=self.progress)
            self.nodes = self.backend.nodes(self.name)
            started = time.monotonic()
            readiness.nodes_started(self.nodes)
            self.progress(f"  daemons started on {len(self.nodes)} nodes "
                          f"({time.monotonic() - started:.2f} s)")
        with self.phase("wiring"):
            self._wire()
        with self.phase("ovn"):
            self._configure_ovn()
        sc = self.scenario  # with the names Neutron gave, when it built the logical part
        with self.phase("ready"):
            readiness.wait_all(self.scenario, self.nodes, self.nb, self.sb, self.progress)
            if sc.settings.neutron:  # what Neutron does once the VMs' ports are up
                neutron.settled(self.lab, self.progress)
            self.modes = modes.initial(sc)
            modes.apply(sc, self.nodes, self.nb, self.sb, self.modes, self.progress, fresh=True)
            self.lease([v for v, vm in sc.vms.items() if vm.dhcp])
            self.autoconf6([v for v in sc.vms if dynamic(sc, v)])
            for vm, port in service.start_all(self.lab):
                self.progress(f"  {vm}: load balancer backend answering on port {port}")
            impair.apply(self.lab, self.progress)  # the scenario's impairments, as faults
        self.lab.save()

    @classmethod
    def attach(cls, name: str, runs_dir: Path = RUNS_DIR,
               progress: Callable[[str], None] = print) -> Testbed:
        """A handle on a testbed that is already up (brought up by another process)."""
        tb = cls.__new__(cls)
        object.__setattr__(tb, "lab", Lab.load(name, runs_dir, progress))
        return tb

    def snapshot(self) -> dict:
        """What the testbed looks like now (JSON-able), for the summary and its picture."""
        lab = self.lab
        return summary.collect(lab.name, lab.scenario, lab.nodes, lab.try_sb(), lab.choices,
                               lab.tor, lab.timings, lab.links.to_json(), lab.unreachable)

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

        def link(a: wiring.End, b: wiring.End, mtu: int | None = None) -> None:
            # b comes up in one pass below; mtu: the scenario's, where it sets one. A chassis'
            # link to the ToR is a VXLAN tunnel where the scenario says so (physical.trunks)
            if a.node in sc.chassis and b.node == tor and \
                    sc.physical.trunk_kind(sc.nodes[a.node]) == "vxlan":
                ips = (n[a.node].address("overlay").ip, n[tor].address("overlay").ip)
                self.links.add(self.wiring.vxlan(a, b, ips, len(self.links) + 1, mtu))
                return
            self.links.add(self.wiring.link(a, b, defer=True, mtu=mtu))
        mtus = sc.physical.mtu
        for name in sc.chassis:
            for i, physnet in enumerate(sc.physnets):  # a trunk per provider network
                link(wiring.End(name, n[name].netns, names.uplink(i)),
                     wiring.End(tor, n[tor].netns, names.tor_port(name, i)), mtus.get(physnet))
        for vname, vm in sc.vms.items():
            link(wiring.End(vname, n[vname].netns, names.VM_NIC, vm.mac),
                 wiring.End(vm.chassis, n[vm.chassis].netns, names.vm_port(vname)), vm.mtu)
        # (node, its NIC, which external network): gateways on every one, hosts on theirs
        external = [(c, names.external_nic(i), i) for c in sc.chassis if sc.nodes[c].on_external
                    for i in range(len(sc.external_physnets))]
        external += [(h, names.VM_NIC, sc.external_index(h)) for h in sc.nodes_with(Role.external)
                     if sc.nodes[h].behind is None]
        for name in sc.nodes_with(Role.external):
            up = sc.nodes[name].behind
            if up is not None:  # a point-to-point link to its upstream host
                link(wiring.End(name, n[name].netns, names.VM_NIC),
                     wiring.End(up, n[up].netns, names.downstream_port(name)),
                     mtus.get(sc.external_physnets[sc.external_index(up)]))
        for name, nic, i in external:
            link(wiring.End(name, n[name].netns, nic),
                 wiring.End(tor, n[tor].netns, names.external_port(name, i)),
                 mtus.get(sc.external_physnets[i]))
        self.wiring.raise_pending()
        for i in sorted({i for _, _, i in external}):
            external_segment(n[tor], [names.external_port(name, j) for name, _, j in external
                                      if j == i], names.external_switch(i))
        hosts = [*sc.vms, *sc.nodes_with(Role.external)]
        each(lambda name: rewire.configure_host(self.lab, name), hosts)

    def _record_networks(self) -> None:
        """Each shared network (mgmt, overlay) is a link whose ends are the nodes' NICs on it."""
        found: dict[str, list[Endpoint]] = {net: [] for net in NETWORKS}

        def nics(item: tuple[str, Node]) -> list[tuple[str, Endpoint]]:
            name, node = item
            macs = {net: node.address(net).mac for net in NETWORKS
                    if node.on_network(net)}
            if not macs:
                return []
            by_mac = wiring.ifnames_by_mac(node.netns, set(macs.values()))
            return [(net, Endpoint(name, by_mac[mac.lower()])) for net, mac in macs.items()]
        for pairs in each(nics, list(self.nodes.items())):
            for net, end in pairs:
                found[net].append(end)
        for net, ends in found.items():
            if ends:
                self.links.add(Link(net, "network", tuple(sorted(ends)), network=net))

    def _configure_ovn(self) -> None:
        sc, n = self.scenario, self.nodes
        if sc.settings.tls:  # before the servers listen: a member starts with its files
            pki.provision(self.name, self.dir / "pki", n, [*sc.centrals, *sc.relays,
                                                           *sc.chassis])
        self.central_ip = ovn_chassis.start_central(sc, n, self.progress)
        if sc.relays:
            cluster.start_relays(sc, n, self.progress)
        if sc.settings.neutron:  # starts while the ToR and the chassis are set up
            neutron.start(self.lab)
        # connected while NB and SB are nearly empty (each property waits for its server): the
        # IDLs then follow the changes instead of fetching a full SB when every chassis registers
        self.nb, self.sb  # noqa: B018

        def ports_of(name: str) -> dict[str, str]:
            return {names.vm_port(v): sc.lsp(v) for v, vm in sc.vms.items() if vm.chassis == name}

        def configure(name: str) -> None:  # one command per chassis, VM ports included
            plan = ovn_chassis.plan(sc, name, n[name], self.lab.sb_remote,
                                    self.links.nic(name, "overlay"))
            ovn_chassis.configure(n[name], plan, self.choices.datapath,
                                  None if sc.settings.neutron else ports_of(name),
                                  readiness.TIMEOUT)
        workers = max(8, min(len(sc.chassis), 32))
        self.tor = self.lab.tor_backend()
        self.tor.setup()
        if not sc.settings.neutron:
            logical.build(self.nb, sc)
            each(configure, sc.chassis, workers=workers)
            return
        # Neutron binds a port to a host only once its chassis is registered (and does not try
        # again): chassis first, then Neutron writes the logical part, then the VMs plug in
        each(configure, sc.chassis, workers=workers)
        readiness.chassis_registered(sc, self.sb)
        sc = self.lab.scenario = self.lab.loaded = neutron.build_logical(self.lab, self.progress)
        each(lambda c: n[c].run(ovn_chassis.plug(ports_of(c), readiness.TIMEOUT)), sc.chassis,
             workers=workers)

    def walk(self, source: str, destination: str, proto: str = "icmp", port: int | None = None,
             timeout: float | None = None, traces: bool = True,
             capture_on: list[str] | None = None, warm: bool = True, size: int | None = None,
             df: bool = False, ipv6: bool = False):
        """Send one probe and follow it on every link: see testbed.walk.model for the result.
        `timeout`: seconds the probe waits for its answer (testbed.walk.probe.TIMEOUT).
        `warm`: one unmeasured ping first resolves the path (said in the notes); False walks
        the cold first packet, which OVN may consume while it resolves a next hop. `size`: the
        probe's IP packet in bytes; `df`: don't fragment (MTU: testbed.walk.sizes); `ipv6`:
        between the hosts' IPv6 addresses (dual stack)."""
        from .report import walk_files
        from .walk.probe import TIMEOUT
        from .walk.runner import walk

        timeout = TIMEOUT if timeout is None else timeout
        w = walk(self.lab, source, destination, proto, port, timeout, traces, capture_on, warm,
                 size, df, ipv6)
        return walk_files.write(w, self.scenario, self.name)

    @property
    def faults(self):
        """Inject and restore faults: `with tb.faults.kill("gw1", "ovs-vswitchd"): ...`."""
        from .faults import Faults

        return Faults(self.lab)

    def restart_node(self, name: str) -> list[str]:
        """Start a stopped node again and re-wire its veths from the link inventory (they went
        with its namespace); returns the links made again, once the testbed is ready."""
        return rewire.restart_node(self.lab, name)

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
