"""Runtimes by name, and what the netns runtime derives without a kernel: addresses, the
environment that names a node, the tree of processes that is one node."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testbed import wait
from testbed.errors import NodeNotRunning, TestbedError
from testbed.model import load
from testbed.runtime import enter, netns, runtimes
from testbed.runtime.compose import IN_HOLDER, render
from testbed.runtime.docker import DockerBackend


def test_a_runtime_by_name_and_an_unknown_one_lists_what_exists():
    assert isinstance(runtimes.backend("netns"), netns.NetnsBackend)
    assert type(runtimes.backend()).__name__ == "ContainerRuntime"
    assert isinstance(runtimes.backend(), DockerBackend) and runtimes.backend().name == "docker"
    with pytest.raises(TestbedError, match="no runtime 'k8s': the runtimes are docker, netns"):
        runtimes.backend("k8s")


def test_every_node_on_a_network_gets_its_own_address_and_mac_like_dockers():
    sc = load("l3-over-vlan")
    services = render(sc, "t", "img", "netdev", "ovs")["services"]
    plan = netns.addresses("t", services)
    assert set(plan) == {"central", "gw1", "gw2", "compute-a", "compute-b"}  # the networked
    assert list(plan["gw1"]) == ["mgmt", "overlay"] and list(plan["central"]) == ["mgmt"]
    for net in ("mgmt", "overlay"):
        cidrs = [nets[net][0] for nets in plan.values() if net in nets]
        ips = {ipaddress.ip_interface(c).ip for c in cidrs}
        assert len(ips) == len(cidrs)
        assert all(ip in ipaddress.ip_network(f"{netns.SUBNETS[net]}.0.0/16") for ip in ips)
    macs = [mac for nets in plan.values() for _, mac in nets.values()]
    assert len(set(macs)) == len(macs)


@given(st.dictionaries(st.sampled_from(["mgmt", "overlay"]),
                       st.tuples(st.integers(2, 65000), st.integers(0, 2**24 - 1)), min_size=1))
def test_the_environment_carries_a_nodes_networks_there_and_back(nets):
    addresses = {net: (f"100.64.{h // 256}.{h % 256}/16", f"02:00:00:{m >> 16:02x}:"
                       f"{(m >> 8) & 255:02x}:{m & 255:02x}") for net, (h, m) in nets.items()}
    parsed = netns.parse_nets(netns.nets_env(addresses))
    assert {net: (f"{d['IPAddress']}/{d['IPPrefixLen']}", d["MacAddress"])
            for net, d in parsed.items()} == addresses


def test_a_node_is_the_top_of_its_tree_not_its_detached_daemons(monkeypatch, patch_here):
    # pid -> (environment, parent): node-init (10) started by the engine (1), its shell child
    # (11), a daemon re-parented to the holder's init (12), another testbed's gw1 (20)
    procs = {"1": ({}, "0"), "10": ({"OVN_TESTBED": "t", "OVN_TESTBED_NODE": "gw1"}, "1"),
             "11": ({"OVN_TESTBED": "t", "OVN_TESTBED_NODE": "gw1"}, "10"),
             "12": ({"OVN_TESTBED": "t", "OVN_TESTBED_NODE": "gw1"}, "1"),
             "13": ({"OVN_TESTBED": "t", "OVN_TESTBED_NODE": "vm1"}, "1"),
             "20": ({"OVN_TESTBED": "u", "OVN_TESTBED_NODE": "gw1"}, "1")}
    patch_here(netns.os, "listdir", lambda _: [*procs, "self", "net"])  # os: the whole process
    monkeypatch.setattr(netns, "_environ", lambda pid: procs[pid][0])
    monkeypatch.setattr(netns, "_parent", lambda pid: procs[pid][1])
    assert netns.processes("t") == {"gw1": 10, "vm1": 13}


def test_when_the_cpu_is_short_the_central_and_gateways_come_first_in_both_runtimes():
    """Many computes yield to the central and the gateways; in a small testbed every container
    weighs the same (its BFD and first packets are timed, and weights count across testbeds)."""
    services = render(load("scale-100"), "t", "img", "netdev", "ovs")["services"]
    compute = "hv-001"
    assert services["central"]["cpu_shares"] > services["gw1"]["cpu_shares"] > 1024
    assert "cpu_shares" not in services[compute] and services["gw1"]["cpu_shares"] > 1024
    assert services[compute]["environment"]["NODE_NICE"] == "10"
    assert "NODE_NICE" not in services["gw1"]["environment"]
    few = render(load("l3-over-vlan"), "t", "img", "netdev", "ovs")["services"]
    assert len({few[n]["cpu_shares"] for n in ("central", "gw1", "compute-a", "tor", "vm1")}) == 1
    assert "NODE_NICE" not in few["compute-a"]["environment"]
    # node-init runs the chassis daemons at that niceness (the netns runtime passes it too)
    from testbed.runtime.compose import COMPOSE_DIR
    init = (COMPOSE_DIR.parent / "images" / "node" / "node-init").read_text()
    assert init.count("$NICE ") == 3 and 'NICE="nice -n ${NODE_NICE:-0}"' in init
    assert 'NODE_NICE="$6"' in netns._LAUNCH


def test_ovsdb_probes_reach_the_chassis_and_the_central_only_when_set():
    from testbed.model import find, parse
    from testbed.ovn import chassis

    from .mistakes import errors

    sc = load("l3-over-vlan")
    assert sc.settings.probe_interval_ms is None
    text = find("l3-over-vlan").read_text().replace(
        "settings:\n", "settings:\n  probe_interval_ms: 60000\n")
    probed = parse(text)
    (bad,) = errors(text.replace("probe_interval_ms: 60000", "probe_interval_ms: -5"))
    assert "bad.yaml:" in bad and "probe_interval_ms" in bad, bad

    class FakeNode:
        def address(self, key):
            from testbed.runtime.address import NetAddress
            return NetAddress("100.65.0.3", 16, "02:00:00:00:00:03")
    plain = chassis.plan(sc, "gw1", FakeNode(), "100.64.0.2", "eth1")
    assert "ovn-remote-probe-interval" not in plain.external_ids
    tuned = chassis.plan(probed, "gw1", FakeNode(), "100.64.0.2", "eth1")
    assert tuned.external_ids["ovn-remote-probe-interval"] == "60000"
    assert "external_ids:ovn-remote-probe-interval=60000" in tuned.vsctl("netdev")


def test_the_holder_command_names_every_node_it_starts():
    sc = load("l3-over-vlan")
    services = render(sc, "t", "img", "netdev", "ovs")["services"]
    args = netns.launch_args("t", services, netns.addresses("t", services))
    assert netns.launched(args) == set(services) == set(sc.nodes) | set(sc.vms)
    i = args.index("compute-a")
    assert args[i - 1:i + 6] == ["t", "compute-a", "compute", args[i + 2], "netdev", "0",
                                 "chassis"]  # a few computes: no yielding (compose.YIELD_ABOVE)


def test_the_plugins_pool_brings_testbeds_up_on_the_runtime_asked(monkeypatch, tmp_path):
    from testbed.net import Testbed
    from testbed.pytest_plugin import Testbeds

    monkeypatch.setattr(Testbed, "up", lambda self: self)
    pool = Testbeds(tmp_path, runtime="netns", progress=lambda _: None)
    tb = pool.bring_up("l3-over-vlan")
    assert tb.runtime == "netns" and isinstance(tb.backend, netns.NetnsBackend)
    assert Testbeds(tmp_path, progress=lambda _: None).bring_up("l3-over-vlan").runtime == "docker"


@pytest.mark.skipif(os.geteuid() != 0, reason="entering namespaces and bounding rights needs root")
def test_a_command_entered_into_a_node_keeps_the_nodes_rights_and_environment():
    """A node whose first process may only use NET_ADMIN and NET_RAW (a container's cap_drop
    ALL + cap_add): a command entered into it gets exactly those, and only its environment."""
    node = subprocess.Popen(["setpriv", "--bounding-set", "-all,+net_admin,+net_raw", "--",
                             "sleep", "30"])
    try:
        # the host's own set may already be partial (a VM that withholds some rights): wait
        # for setpriv to have run, i.e. for the process to be `sleep`
        wait.until("the node's rights set", lambda: [] if Path(
            f"/proc/{node.pid}/comm").read_text().strip() == "sleep" else ["setpriv to exec"],
                   5, interval=0.01)
        assert enter.bounding_set(node.pid) == "-all,+net_admin,+net_raw"
        result = enter.run_in("n1", node.pid, ["sh", "-c", "grep CapEff /proc/self/status; env"],
                              ["PATH=/usr/bin:/bin", "ONLY=this"])
        assert int(result.stdout.split()[1], 16) == 1 << 12 | 1 << 13  # net_admin, net_raw
        assert sorted(result.stdout.splitlines()[1:]) == ["ONLY=this", "PATH=/usr/bin:/bin",
                                                          "PWD=/"]
        assert enter.run_in("n1", node.pid, ["false"], [], check=False).rc == 1
    finally:
        node.kill()
        node.wait()
    with pytest.raises(NodeNotRunning, match=f"n1: its first process .{node.pid}. is gone"):
        enter.run_in("n1", node.pid, ["true"], [])  # a node that died: named, not a /proc path


def test_a_node_handle_follows_its_container_restarted_elsewhere():
    """A Testbed handle kept across another process's `testbed fault restore` (which starts a
    stopped node again) must not enter the namespace of the container's old first process."""
    from testbed.runtime.docker import Node

    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer exists: the container's first process before restart

    class Container:
        attrs = {"State": {"Running": True, "Pid": gone.pid}}
        reloads = 0

        def reload(self):
            self.reloads += 1
            self.attrs = {"State": {"Running": True, "Pid": os.getpid()}}  # started again
    node = Node("compute-b", Container())
    assert node.pid == os.getpid() and node.container.reloads == 1
    assert node.pid == os.getpid() and node.container.reloads == 1  # alive: not asked again


def test_runtimes_declare_what_they_can_do_to_a_whole_node():
    """Callers ask a node's capabilities, never probe for a Docker container: a container per
    node can be stopped, paused, followed and archived; the netns runtime's nodes (one holder
    for all) can do none of it, and the fault says so."""
    from testbed.faults.kinds import FaultError, whole
    from testbed.runtime.docker import Node

    assert Node.capabilities == {"stop", "pause", "follow-logs", "copy-out"}
    for op in ("stop", "start", "pause", "unpause", "follow_logs", "copy_out"):
        assert callable(getattr(Node, op))
    assert netns.NetnsNode.capabilities == frozenset()
    tb = types.SimpleNamespace(nodes={"gw1": netns.NetnsNode.__new__(netns.NetnsNode)},
                               name="t", runtime="netns", scenario=types.SimpleNamespace(
                                   vms={}, settings=types.SimpleNamespace(vm_namespaces=False)))
    with pytest.raises(FaultError, match="'pause' on the whole node gw1 needs a container"):
        whole(tb, "gw1", "pause")


def test_vms_as_namespaces_are_marked_for_the_holder_and_one_may_keep_its_container():
    """settings.vm_namespaces: the docker runtime hands the VMs marked in the document to the
    VM holder (netns.VmHolder), a VM with own_container stays a container; other nodes too."""
    sc = load(Path(__file__).resolve().parents[2] / "scenarios" / "two-routers.yaml")
    services = render(sc, "t", "img", "netdev", "ovs")["services"]
    held = sorted(n for n, svc in services.items() if svc.get(IN_HOLDER))
    assert held == ["app-1", "web-1", "web-2"], held  # db-1: own_container
    plain = sc.model_copy(update={"settings": sc.settings.model_copy(
        update={"vm_namespaces": False})})
    assert not any(svc.get(IN_HOLDER) for svc in render(plain, "t", "img", "netdev",
                                                        "ovs")["services"].values())
    assert netns.VmHolder.kind == "vms" and "vms" not in runtimes.available(), \
        "the VM holder belongs to the docker runtime, not a runtime of its own"


def test_per_compute_transport_zones_leave_computes_tunnelling_to_the_gateways_only():
    from testbed.ovn import chassis

    sc = load(Path(__file__).resolve().parents[2] / "scenarios" / "two-routers.yaml")
    assert sorted(sc.tunnel_peers("hv-1")) == ["edge-1", "edge-2", "edge-3"]
    assert sorted(sc.tunnel_peers("edge-1")) == ["edge-2", "edge-3", "hv-1", "hv-2", "hv-3"]
    node = types.SimpleNamespace(address=lambda _: types.SimpleNamespace(
        ip="100.65.0.9", cidr="100.65.0.9/16", mac="02:00:00:00:00:09"))
    zones = {c: chassis.plan(sc, c, node, "tcp:x", "eth1").external_ids[
        "ovn-transport-zones"] for c in ("hv-2", "edge-1")}
    assert zones == {"hv-2": "tz-hv-2", "edge-1": "tz-hv-1,tz-hv-2,tz-hv-3"}
    shared = sc.model_copy(update={"settings": sc.settings.model_copy(
        update={"transport_zones": "shared"})})
    assert len(shared.tunnel_peers("hv-1")) == len(sc.chassis) - 1
    assert "ovn-transport-zones" not in chassis.plan(shared, "hv-2", node, "tcp:x",
                                                     "eth1").external_ids


def test_per_compute_zones_with_a_tenant_network_are_refused(refused):
    dvr = Path(__file__).resolve().parents[2] / "scenarios" / "dvr.yaml"
    says = refused(dvr, "settings:\n", "settings:\n  transport_zones: per-compute\n")
    assert "settings.transport_zones: per-compute leaves no tunnel between two computes" in says


def test_a_container_joins_the_fabric_not_a_docker_network_and_knows_its_addresses():
    """The docker runtime creates each service on no Docker network; its addresses on mgmt and
    overlay travel in a label, which its Node reads back as Docker's inspect would have."""
    from testbed.names import NETS_LABEL
    from testbed.runtime.containers import _on_fabric
    from testbed.runtime.docker import Node

    services = render(load("l3-over-vlan"), "t", "img", "netdev", "ovs")["services"]
    plan = netns.addresses("t", services)
    gw1 = _on_fabric(services["gw1"], plan["gw1"])
    assert "networks" not in gw1 and gw1["network_mode"] == "none"
    assert services["gw1"]["networks"] == ["mgmt", "overlay"]  # the document is unchanged
    tor = _on_fabric(services["tor"], plan.get("tor", {}))
    assert NETS_LABEL not in tor["labels"]  # on neither network

    class Container:
        labels = gw1["labels"]
        attrs: dict = {}
    node = Node("gw1", Container())
    for net in ("mgmt", "overlay"):
        assert node.on_network(net) and node.address(net).cidr == plan["gw1"][net][0]
        assert node.address(net).mac == plan["gw1"][net][1]
    plain = Node("tor", type("C", (), {"labels": tor["labels"], "attrs": {}})())
    assert not plain.on_network("mgmt")
    with pytest.raises(KeyError, match="tor is not on the mgmt network"):
        plain.address("mgmt")


@pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")
def test_a_connection_made_inside_a_namespace_reaches_its_loopback_only():
    """Neutron's API is reached on the neutron node's own loopback: a socket made inside its
    namespace (enter.connect_in), which the host's loopback does not answer for."""
    import socket

    holder = subprocess.Popen(["unshare", "--net", "--", "sh", "-c",
                               "ip link set lo up && exec python3 -c 'import socket,sys;"
                               "s=socket.socket();s.bind((\"127.0.0.1\",0));s.listen();"
                               "print(s.getsockname()[1],flush=True);c,_=s.accept();"
                               "c.sendall(b\"inside\")'"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(holder.stdout.readline())
        sock = enter.connect_in(f"/proc/{holder.pid}/ns/net", ("127.0.0.1", port), 5)
        with sock:
            assert sock.recv(16) == b"inside"
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), 1):
            pass  # the host's own loopback has no such listener
    finally:
        holder.kill()
        holder.wait()
