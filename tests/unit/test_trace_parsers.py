"""ovn-trace and ofproto/trace output parsed into steps, on text recorded from real daemons."""

from __future__ import annotations

from pathlib import Path

from testbed.observe.frames import decode
from testbed.walk import trace

DATA = Path(__file__).resolve().parents[1] / "data"
WALKS = DATA / "walks"


def test_ovn_trace_routed_between_vlans():
    t = trace.parse_ovn_trace((WALKS / "vlan-vm1-vm4" / "ovn-trace-request.txt").read_text())
    assert t.datapaths == ["A", "R1", "B"]
    assert t.outport == "vm4"
    routing = next(s for s in t.steps if s.stage == "lr_in_ip_routing")
    assert (routing.where, routing.pipeline) == ("R1", "ingress")
    assert "ip.ttl--;" in routing.actions and 'outport = "R1-B";' in routing.actions
    assert "eth.src = fa:16:3e:65:f2:ae;" in routing.actions
    assert all(s.priority >= 0 and s.table >= 0 for s in t.steps)


def test_ovn_trace_to_the_external_network_ends_on_its_localnet_port():
    t = trace.parse_ovn_trace((WALKS / "geneve-vm1-ext" / "ovn-trace-request.txt").read_text())
    assert t.datapaths[:2] == ["A", "R1"] and t.datapaths[-1] == "public"
    assert t.outport == "ln-public"


def test_ofproto_trace_datapath_actions_vlan():
    ports = trace.parse_dp_ports((WALKS / "geneve-vm1-ext" / "dpctl-show-compute-a.txt").read_text())
    assert ports[4] == "uplink" and ports[3] == "eth1"
    t = trace.parse_ofproto_trace((WALKS / "vlan-vm1-vm4" / "ofproto-trace-request.txt").read_text(),
                                  ports)
    a = t.actions
    assert (a.eth_src, a.eth_dst, a.ttl, a.push_vlan, a.tunnel_dst, a.outputs) == (
        "fa:16:3e:65:f2:ae", "fa:16:3e:75:ca:89", 63, 2010, None, ["uplink"])
    assert t.error is None and t.steps[0].where == "br-int" and t.steps[0].table == 0
    assert {s.where for s in t.steps} >= {"br-int", "br-phy"}


def test_ofproto_trace_datapath_actions_tunnel():
    ports = trace.parse_dp_ports((WALKS / "geneve-vm1-ext" / "dpctl-show-compute-a.txt").read_text())
    t = trace.parse_ofproto_trace(
        (WALKS / "geneve-vm1-ext" / "ofproto-trace-request.txt").read_text(), ports)
    a = t.actions
    assert a.tunnel_dst and a.tunnel_vni == 4 and a.push_vlan is None
    assert a.outputs == ["eth1"] and a.ttl == 63 and a.verdict == "forwarded"


def test_ofproto_trace_that_failed_is_an_error_not_a_drop():
    t = trace.parse_ofproto_trace("Bad openflow flow syntax: in_port=x,udp,tp_src=1: "
                                  "prerequisites not met for setting tp_src\n"
                                  "ovs-appctl: ovs-vswitchd: server returned an error\n", {})
    assert t.error.startswith("Bad openflow flow syntax")


def test_datapath_actions_macs_keep_leading_zeros_and_userspace_is_the_controller():
    a = trace.parse_datapath_actions("set(eth(src=fa:16:3e:16:07:92,dst=00:00:00:00:00:00)),"
                                     "userspace(pid=0,controller(reason=1))", {})
    assert a.eth_src == "fa:16:3e:16:07:92" and a.eth_dst == "00:00:00:00:00:00"
    assert a.verdict == "to ovn-controller"
    assert trace.parse_datapath_actions("drop", {}).verdict == "dropped"


def test_trace_inputs_are_built_from_the_captured_frame():
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Dot1Q, Ether

    f = decode(Ether(src="fa:16:3e:16:07:92", dst="fa:16:3e:7e:d6:7e") / Dot1Q(vlan=2011) /
               IP(src="10.11.0.11", dst="203.0.113.1", ttl=64) / TCP(sport=40000, dport=22), 1)
    assert trace.ofproto_flow("uplink", f) == (
        "in_port=uplink,dl_vlan=2011,tcp,dl_src=fa:16:3e:16:07:92,dl_dst=fa:16:3e:7e:d6:7e,"
        "nw_src=10.11.0.11,nw_dst=203.0.113.1,nw_ttl=64,tcp_src=40000,tcp_dst=22")
    flow = trace.ovn_microflow('vm"1', f)
    assert flow.startswith('inport == "vm\\"1"') and "tcp.dst == 22" in flow and "ip.ttl == 64" in flow


def test_ofproto_trace_through_conntrack_keeps_the_rewrites_of_every_pass():
    """ext -> vm2 entering gw1 (packstack, a route to the private subnet): the router rewrites
    the MACs and TTL, ct() recirculates twice, and the last pass only pushes the tunnel. The
    frame that leaves carries every pass's rewrites (recorded on OVN 25.03 / OVS 3.5)."""
    folder = WALKS / "recirc-ext-vm2"
    ports = trace.parse_dp_ports((folder / "dpctl-show-gw1.txt").read_text())
    t = trace.parse_ofproto_trace((folder / "ofproto-trace-request.txt").read_text(), ports)
    a = t.actions
    assert a.text.count("recirc(") == 2, a.text
    assert (a.eth_src, a.eth_dst, a.ttl) == ("fa:16:3e:f6:c6:d3", "fa:16:3e:00:00:12", 63)
    assert a.tunnel_dst and a.outputs == ["eth1"] and a.verdict == "forwarded"


def test_a_gateway_mtu_branch_is_followed_by_the_packets_length():
    """gateway_mtu makes OVN check the length (check_pkt_len): a small packet is routed (the
    `le` branch), a larger one goes to ovn-controller for an ICMP 'fragmentation needed'."""
    actions = ("check_pkt_len(size=1456,gt(userspace(pid=0,controller(reason=1,dont_send=1,"
               "continuation=0,recirc_id=10,rule_cookie=0x7ba73198,controller_id=0,"
               "max_len=65535))),le(set(eth(src=fa:16:3e:f6:c6:d3,dst=fa:16:3e:00:00:12)),"
               "set(ipv4(ttl=63)),ct(zone=6,nat),recirc(0x5))),ct(commit,zone=6),recirc(0xb)")
    small = trace.parse_datapath_actions(actions, {}, 98)
    assert (small.eth_src, small.eth_dst, small.ttl) == ("fa:16:3e:f6:c6:d3",
                                                         "fa:16:3e:00:00:12", 63)
    assert small.ct_zones == [6, 6] and not small.to_controller
    large = trace.parse_datapath_actions(actions, {}, 1514)
    assert large.to_controller and large.eth_src is None and large.ttl is None
    assert trace.parse_datapath_actions(actions, {}).ttl == 63, "unknown length: the probe's"
