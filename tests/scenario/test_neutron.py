"""The seeds' Neutron scenarios on real daemons (scenarios/packstack-allinone.yaml): a geneve
tenant network whose VMs lease their addresses from OVN's DHCP, and router1 hiding it behind
its gateway IP (SNAT) on the gateway chassis."""

from __future__ import annotations

import re

import pytest

from testbed import wait
from testbed.observe.capture import capture
from testbed.ovn import acls

from .conftest import ROOT, checks_hold

AIO = ROOT / "scenarios" / "packstack-allinone.yaml"
pytestmark = pytest.mark.testbed(AIO, scope="module")  # brought up ahead


@pytest.fixture(scope="module")
def aio(testbeds):
    with testbeds.up(AIO) as tb:
        # first packets are lost while addresses are resolved: the gateway ARPs for ext (then
        # a MAC_Binding), the userspace datapath ARPs for a tunnel's remote endpoint
        for src, dst in (("vm1", "172.24.4.1"), ("vm2", "172.24.4.1"), ("vm2", "10.0.0.11")):
            wait.until(f"{src} to reach {dst}", lambda src=src, dst=dst: [] if tb.host(
                src).ping(dst, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
        yield tb


def test_ovn_objects_are_named_as_neutron_names_them(aio):
    """naming: neutron - `ovn-nbctl show` has the seed's shape."""
    show = aio.nodes["central"].exec(["ovn-nbctl", "show"])
    assert re.search(r"^switch \S+ \(neutron-[0-9a-f-]{36}\) \(aka private\)$", show, re.M), show
    assert re.search(r"^router \S+ \(neutron-[0-9a-f-]{36}\) \(aka router1\)$", show, re.M)
    assert re.search(r"^    port provnet-[0-9a-f-]{36}\n        type: localnet$", show, re.M)
    lrps = re.findall(r"router-port: lrp-([0-9a-f-]{36})", show)
    assert len(lrps) == 2 and all(f"port {u}\n        type: router" in show for u in lrps)
    assert re.search(r"^    port [0-9a-f-]{36} \(aka vm1\)$", show, re.M)


def test_vms_lease_their_address_from_ovn_dhcp(aio):
    sc = aio.scenario
    router_port = sc.gateway_of("private")
    lease = aio.host("vm2").dhcp()
    assert (lease.ip, lease.prefix, lease.router) == (sc.vms["vm2"].ip, 24, router_port.ip)
    assert (lease.mtu, lease.lease_time) == (1442, 43200)
    # the answer came from OVN: the router port's MAC and IP are the server's
    assert lease.server_mac == router_port.mac and lease.server_id == router_port.ip
    link = aio.nodes["vm2"].exec(["ip", "-o", "link", "show", "eth0"])
    assert " mtu 1442 " in link


def test_snat_on_the_gateway_chassis(aio):
    held = checks_hold(aio)  # packstack-allinone.yaml's checks: SNAT, E/W, reach
    walk = held["walk vm1 -> ext"].detail
    expected = aio.expect("vm1", "ext")
    assert expected.translated_on == "gw1" and expected.wire[0].ip_src == "172.24.4.10"
    walk.request.assert_expected(expected)
    assert walk.request.translations() == [("gw1", "10.0.0.11 > 172.24.4.1",
                                            "172.24.4.10 > 172.24.4.1")]
    # ext answers the router's address; gw1 translates it back to the VM
    assert walk.reply.delivered and walk.reply.translated_on == "gw1"
    assert walk.reply.hop("ext", "eth0", "out").ip_dst == "172.24.4.10"
    east_west = held["walk vm2 -> vm1"].detail  # the tenant network, tunnelled
    assert east_west.request.crossed_overlay and aio.scenario.tor not in east_west.request.path
    assert east_west.request.hop("compute-b", "eth1", "out").frame.encap.vni is not None


def test_snat_hides_nothing_the_security_groups_keep_the_private_subnet_in(aio):
    """What OVN does when the outside routes the private subnet to router1's gateway address
    (the scenario gives ext no such route; here it gets one): the router forwards to the VMs'
    own addresses, nothing translated either way. Only the security groups decide: vm1's
    ssh-icmp group lets the echo in, vm2 has no ingress rule and its chassis drops it."""
    ext = aio.nodes["ext"]
    ext.exec(["ip", "route", "add", "10.0.0.0/24", "via", "172.24.4.10"])  # router1's public IP
    try:
        into = aio.walk("ext", "10.0.0.11")
        assert into.request.delivered and into.reply.delivered, into.notes
        assert into.request.translations() == [] and into.reply.translations() == []
        assert into.request.hop("vm1", "eth0", "in").ip_src == "172.24.4.1"
        denied = aio.walk("ext", "10.0.0.12")
        assert not denied.request.delivered and denied.request.last_seen.node == "compute-b"
        assert "acl" in denied.traces["ovn-trace request"].dropped_by.stage
        denied.assert_traces_agree(at_least=5)  # the drop and gw1's rewrites, through ct()
    finally:
        ext.exec(["ip", "route", "del", "10.0.0.0/24"])


def sync(tb) -> None:
    tb.nodes[tb.scenario.central].exec(["ovn-nbctl", "--timeout=30", "--wait=hv", "sync"])


def test_security_groups_allow_icmp_and_ssh_in_and_drop_the_rest(aio):
    """vm1 is in ssh-icmp (ingress ICMP and TCP 22) and egress-all; vm2 only in egress-all."""
    assert aio.host("vm2").ping("10.0.0.11", count=2, interval=0.2).loss == 0
    ssh = aio.walk("vm2", "vm1", proto="tcp", port=22, traces=False)
    assert ssh.request.delivered and ssh.reply.delivered  # the RST of a closed port came back
    web = aio.walk("vm2", "vm1", proto="tcp", port=80)
    # dropped on vm1's chassis, in the egress pipeline of vm1's switch, by the drop group's ACL
    assert not web.request.delivered and web.request.last_seen.node == "compute-a"
    assert any(n.startswith("compute-a's switch had handled everything") for n in web.notes), \
        web.notes
    drop = web.traces["ovn-trace request"].dropped_by
    assert drop is not None and "acl" in drop.stage
    assert "outport == @neutron_pg_drop && ip" in drop.match
    # stateful: vm2 has no ingress rule, yet the replies to what it sends come back
    assert aio.host("vm2").ping("172.24.4.1", count=2, interval=0.2).loss == 0
    denied = aio.host("vm1").ping("10.0.0.12", count=2, interval=0.2, wait=1)
    assert denied.sent == 2 and denied.received == 0, denied.output


def session_through_an_edit(tb, port: int, edit, undo) -> tuple[bool, bool]:
    """Open a TCP session vm2 -> vm1:port, apply `edit` (a change of the security rules) and
    wait for OVN to apply it; then (does a new connection get through, does the established
    session's next segment arrive). `undo` puts the rules back."""
    vm1, vm2 = tb.host("vm1"), tb.host("vm2")
    got, go = f"/tmp/session-{port}", f"/tmp/session-{port}-go"
    vm2.node.run(["rm", "-f", go], check=False)
    vm1.listen_tcp(port, got)
    wait.until(f"vm1 to listen on {port}", lambda: [] if vm1.node.exec(
        ["ss", "-Hltn", f"sport = :{port}"]).strip() else [f"a listener on {port}"], 10,
        interval=0.05)
    vm2.tcp_session("10.0.0.11", port, go)
    wait.until("the session's first line at vm1", lambda: [] if "before" in vm1.node.exec(
        ["cat", got]) else ["'before' received"], 10, interval=0.05)
    edit()
    try:
        sync(tb)
        new = tb.walk("vm2", "vm1", proto="tcp", port=port, traces=False).request.delivered
        with capture(vm2.node, "eth0") as sent, capture(vm1.node, "eth0") as arrived:
            vm2.node.exec(["touch", go])
            try:
                wait.until("the established session's next line at vm1", lambda: [] if "after"
                           in vm1.node.exec(["cat", got]) else ["'after' received"], 3,
                           interval=0.05)
            except wait.WaitTimeout:
                pass
        pushed = [f for f in sent.frames if f.packet.proto == "tcp" and f.packet.dport == port]
        assert pushed, "vm2 sent nothing on the established session"
        kept = any(f.packet.proto == "tcp" and f.packet.dport == port for f in arrived.frames)
        assert kept == ("after" in vm1.node.exec(["cat", got]))
        return new, kept
    finally:
        undo()
        sync(tb)
        vm1.node.run(["pkill", "-f", f"nc -l -p {port}"], check=False)


def test_removing_a_rule_blocks_new_and_established_connections(aio):
    """OVN re-checks established connections against the ACLs: once the rule allowing TCP 22
    is gone, neither a new connection nor the next segment of an open one gets through."""
    new, kept = session_through_an_edit(
        aio, 22, lambda: acls.remove_rule(aio.nb, "ssh-icmp", 1),
        lambda: acls.add_rule(aio.nb, aio.scenario, "ssh-icmp", 1))
    assert (new, kept) == (False, False)
    assert aio.walk("vm2", "vm1", proto="tcp", port=22, traces=False).request.delivered


def test_persist_established_keeps_an_open_connection_through_a_rule_edit(aio):
    """With the ACL option persist-established, narrowing the rule blocks new connections but
    the open one keeps flowing."""
    rule = acls.match("web", aio.scenario.security_groups["web"].rules[0])
    new, kept = session_through_an_edit(
        aio, 8080, lambda: acls.set_match(aio.nb, "web", 0, rule.replace("8080", "8081")),
        lambda: acls.set_match(aio.nb, "web", 0, rule))
    assert (new, kept) == (False, True)


def test_ipv6_as_devstack_adds_it_is_routed_through_the_gateway_and_never_snated(aio):
    """private has a SLAAC prefix: vm1 formed its address from router1's advertisement, which
    carries the network's MTU (1442, as Neutron sets it); to the outside IPv6 goes through
    the gateway chassis with vm1's own address, where IPv4 is SNATed there."""
    sc = aio.scenario
    got = aio.host("vm1").autoconf6("slaac")
    assert got.has(sc.vms["vm1"].ip6) and got.ra.mtu == 1442
    w = aio.walk("vm1", "ext", ipv6=True, traces=False)
    expected = aio.expect("vm1", "ext", ipv6=True)
    assert expected.translated_on is None
    w.request.assert_expected(expected)
    assert "gw1" in w.request.path and w.request.translations() == []
    arrived = w.request.hop("ext", "eth0", "in").frame
    assert (arrived.ip_src, arrived.ip_dst) == (sc.vms["vm1"].ip6, "2001:db8::2")
    assert w.reply.delivered
