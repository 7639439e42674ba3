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

from . import features, images, wiring
from .host import Host
from .manager.compose import Compose, render
from .manager.docker import DockerBackend, Node
from .model import Role, Scenario
from .ovn import chassis as ovn_chassis
from .ovn import db, logical, readiness
from .tor import BACKENDS, Tor

RUNS_DIR = Path("runs")


class Testbed:
    """A named, running copy of a scenario (`with Testbed(sc) as tb:` brings it up and down)."""

    def __init__(self, scenario: Scenario, name: str | None = None, runs_dir: Path = RUNS_DIR,
                 progress: Callable[[str], None] = print):
        self.scenario = scenario
        self.name = name or scenario.name
        self.dir = runs_dir / self.name
        self.progress = progress
        self.backend = DockerBackend()
        self.wiring = wiring.Wiring(self.name)
        self.timings: dict[str, float] = {}
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
            raise RuntimeError(f"a testbed named '{self.name}' is already up: "
                               f"run `testbed down {self.name}` or pick another --name")
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
            image = images.ensure_node_image(self.backend.client, sc.settings.suite, self.progress)
        with self.phase("containers"):
            compose = Compose(self.name, self.dir / "compose.yaml")
            compose.write(render(sc, self.name, image, self.choices.datapath,
                                 self.choices.tor_backend))
            (self.dir / "scenario.json").write_text(sc.model_dump_json(indent=1))
            compose.up()
            self.nodes = self.backend.nodes(self.name)
            readiness.nodes_started(self.nodes)
        with self.phase("wiring"):
            self._wire()
        with self.phase("ovn"):
            self._configure_ovn()
        with self.phase("ready"):
            readiness.wait_all(self)
        (self.dir / "timings.json").write_text(json.dumps(self.timings, indent=1))

    def down(self) -> None:
        """Remove this testbed's containers, networks and any stray veths (logs are kept)."""
        for api in (self._nb, self._sb):
            if api is not None:
                api.close()
        self._nb = self._sb = None
        self._save_logs()
        containers, networks = self.backend.remove(self.name)
        veths = self.wiring.remove_leftovers()
        self.progress(f"testbed '{self.name}' down: {containers} containers, "
                      f"{networks} networks, {veths} stray veths removed")

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
        tor = n[sc.tor]
        for name in sc.chassis:
            self.wiring.link(wiring.End(n[name].pid, ovn_chassis.UPLINK),
                             wiring.End(tor.pid, name))
        for vname, vm in sc.vms.items():
            self.wiring.link(wiring.End(n[vname].pid, "eth0", vm.mac),
                             wiring.End(n[vm.chassis].pid, vm_port(vname)))
            gw = sc.gateway_of(vm.switch)
            wiring.set_address(n[vname].pid, "eth0", f"{vm.ip}/{self.prefix(vm.switch)}",
                               gateway=gw.ip if gw else None)
            n[vname].exec("ethtool -K eth0 tx off >/dev/null")
        for name in sc.nodes_with(Role.external):
            node = n[name]
            nic = wiring.ifname_by_mac(node.pid, node.network("external")["MacAddress"])
            wiring.flush_addresses(node.pid, nic)
            wiring.set_address(node.pid, nic, sc.nodes[name].address)
            node.exec(f"ethtool -K {nic} tx off >/dev/null")

    def _configure_ovn(self) -> None:
        sc, n = self.scenario, self.nodes
        self.central_ip = ovn_chassis.start_central(n[sc.central])
        for name in sc.chassis:
            plan = ovn_chassis.plan(sc, name, n[name], self.central_ip)
            ovn_chassis.configure(n[name], plan, self.choices.datapath)
        backend = BACKENDS[self.choices.tor_backend]
        kwargs = {"datapath": self.choices.datapath} if self.choices.tor_backend == "ovs" else {}
        self.tor = backend(n[sc.tor], sc.chassis, sc.vlans, **kwargs)
        self.tor.setup()
        logical.build(self.nb, sc)
        readiness.bridge_present(n, sc.chassis, "br-int")
        for vname, vm in sc.vms.items():
            port = vm_port(vname)
            n[vm.chassis].exec(f"ovs-vsctl --may-exist add-port br-int {port} -- "
                               f"set Interface {port} external_ids:iface-id={vname}")

    # --- access ----------------------------------------------------------------------------

    @property
    def nb(self) -> db.NbApi:
        if self._nb is None:
            self._nb = readiness.connect(lambda: db.nb(self.central_ip), "the NB database")
        return self._nb

    @property
    def sb(self) -> db.SbApi:
        if self._sb is None:
            self._sb = readiness.connect(lambda: db.sb(self.central_ip), "the SB database")
        return self._sb

    def host(self, name: str) -> Host:
        """A VM or external host, to ping from and capture on."""
        return Host(self.nodes[name])

    def prefix(self, switch: str) -> int:
        return ipaddress.ip_network(self.scenario.switches[switch].cidr).prefixlen

    def _save_logs(self) -> None:
        for name, node in self.backend.nodes(self.name).items():
            try:
                logs = node.container.logs(tail=5000)
            except Exception:  # noqa: BLE001 - a container that is gone has no logs to keep
                continue
            (self.dir / "logs").mkdir(parents=True, exist_ok=True)
            (self.dir / "logs" / f"{name}.log").write_bytes(logs)


def vm_port(vm: str) -> str:
    """The VM's interface on its chassis' br-int (a VM's tap, in Nova's terms)."""
    return f"tap-{vm}"
