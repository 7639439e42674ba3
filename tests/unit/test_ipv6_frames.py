"""IPv6 in captures, without Docker (issue 20's first layer): IPv6 and ICMPv6 decoded through
extension headers, neighbour discovery named as ARP is, an ICMPv6 echo probe marked like an
ICMP one, "packet too big" read with its MTU and the probe it quotes, and the traces' flows."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.inet6 import (
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6MLReport2,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6PacketTooBig,
    IPv6,
    IPv6ExtHdrHopByHop,
)
from scapy.layers.l2 import Ether

from testbed.observe.frames import decode
from testbed.walk import trace
from testbed.walk.probe import Probe

A, B = "fd00:11::11", "fd00:10::14"


def frame(pkt):
    return decode(Ether(bytes(Ether(src="fa:16:3e:16:07:92", dst="fa:16:3e:7e:d6:7e") / pkt)), 1)


def test_an_icmpv6_echo_through_an_extension_header():
    f = frame(IPv6(src=A, dst=B, hlim=63) / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest(
        id=4242, seq=1, data=b"x" * 100))
    assert (f.kind, f.proto, f.icmp_type, f.icmp_id, f.ttl) == ("ipv6", "icmp6", 128, 4242, 63)
    assert f.ip_len == 40 + 8 + 8 + 100 and f.df
    assert "ICMPv6 echo request id 4242" in f.summary()


def test_neighbour_discovery_is_named_with_its_target():
    ns = frame(IPv6(src=A, dst="ff02::1:ff00:14", hlim=255) / ICMPv6ND_NS(tgt=B))
    na = frame(IPv6(src=B, dst=A, hlim=255) / ICMPv6ND_NA(tgt=B))
    assert (ns.icmp_type, ns.nd_target) == (135, B)
    assert f"neighbour solicitation for {B}" in ns.summary()
    assert f"neighbour advertisement for {B}" in na.summary()


def test_multicast_listener_reports_a_host_sends_decode_too():
    """An MLDv2 report (what a VM with IPv6 on sends when its NIC comes up) has no code
    field: a capture holding one must still decode (a real walk met it)."""
    mld = frame(IPv6(src="fe80::f816:3eff:fe16:792", dst="ff02::16", hlim=1) / ICMPv6MLReport2())
    assert (mld.proto, mld.icmp_type, mld.icmp_code) == ("icmp6", 143, 0)
    assert "MLDv2 report" in mld.summary()


def test_an_icmpv6_probe_is_marked_like_an_icmp_one():
    probe = Probe.make("icmp", A, B)
    mark = probe.mark([])
    request = frame(IPv6(src=A, dst=B) / ICMPv6EchoRequest(id=probe.icmp_id))
    reply = frame(IPv6(src=B, dst=A) / ICMPv6EchoReply(id=probe.icmp_id))
    other = frame(IPv6(src=A, dst=B) / ICMPv6EchoRequest(id=probe.icmp_id + 1))
    assert (mark.leg(request), mark.leg(reply), mark.leg(other)) == ("request", "reply", None)
    assert probe.is_answer(reply) and not probe.is_answer(request)
    too_big = frame(IPv6(src="fd00:11::1", dst=A) / ICMPv6PacketTooBig(mtu=1280) / bytes(
        IPv6(src=A, dst=B) / ICMPv6EchoRequest(id=probe.icmp_id)))
    assert mark.leg(too_big) == "reply" and too_big.icmp_mtu == 1280
    assert "packet too big (mtu 1280)" in too_big.summary()
    sized = Probe.make("icmp", A, B, size=1500).argv()
    assert sized[sized.index("-s") + 1] == "1452"  # 40 bytes of IPv6, 8 of ICMPv6


def test_tcp_over_ipv6_and_the_traces_flows():
    syn = frame(IPv6(src=A, dst=B, hlim=64) / TCP(sport=40000, dport=22, flags="S",
                                                  options=[("MSS", 1440)]))
    assert (syn.proto, syn.tcp_flags, syn.tcp_mss) == ("tcp", "S", 1440)
    echo = frame(IPv6(src=A, dst=B, hlim=64) / ICMPv6EchoRequest(id=7))
    assert trace.ovn_microflow("vm1", echo).endswith(
        f"ip6.src == {A} && ip6.dst == {B} && ip.ttl == 64 && icmp6.type == 128 && "
        "icmp6.code == 0")
    assert trace.ofproto_flow("tap-vm1", echo) == (
        "in_port=tap-vm1,icmp6,dl_src=fa:16:3e:16:07:92,dl_dst=fa:16:3e:7e:d6:7e,"
        f"ipv6_src={A},ipv6_dst={B},nw_ttl=64,icmpv6_type=128,icmpv6_code=0")
    assert trace.ofproto_flow("tap-vm1", syn).startswith("in_port=tap-vm1,tcp6,")


def test_a_router_advertisement_is_read_with_its_flags_prefixes_mtu_and_dns():
    from scapy.layers.inet6 import (
        ICMPv6EchoRequest,
        ICMPv6ND_RA,
        ICMPv6NDOptMTU,
        ICMPv6NDOptPrefixInfo,
        ICMPv6NDOptRDNSS,
        IPv6,
    )
    from scapy.layers.l2 import Ether

    from testbed.observe import ipv6conf

    ra = (Ether(src="fa:16:3e:65:f2:ae", dst="33:33:00:00:00:01")
          / IPv6(src="fe80::f816:3eff:fe65:f2ae", dst="ff02::1")
          / ICMPv6ND_RA(M=1, O=0, chlim=255, routerlifetime=65535)
          / ICMPv6NDOptPrefixInfo(prefix="2001:db8:10::", prefixlen=64, A=0)
          / ICMPv6NDOptMTU(mtu=1442) / ICMPv6NDOptRDNSS(dns=["2001:db8:113::53"]))
    got = ipv6conf.advert(bytes(ra))
    assert got == ipv6conf.Advert("fa:16:3e:65:f2:ae", "fe80::f816:3eff:fe65:f2ae", True, False,
                                  65535, 255, (("2001:db8:10::/64", False),), 1442,
                                  ("2001:db8:113::53",))
    echo = Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest()
    assert ipv6conf.advert(bytes(echo)) is None


def test_what_a_vm_has_is_read_from_ip_json():
    from testbed.observe import ipv6conf

    addrs = ('[{"ifname":"eth0","addr_info":[{"family":"inet6","local":"2001:db8:10::14",'
             '"prefixlen":128,"scope":"global"},{"family":"inet6","local":"2001:db8:10::99",'
             '"prefixlen":64,"scope":"global","tentative":true}]}]')
    assert ipv6conf.global_addresses(addrs) == ("2001:db8:10::14/128",)
    route = '[{"dst":"default","gateway":"fe80::f816:3eff:fe65:f2ae","dev":"eth0"}]'
    assert ipv6conf.default_router(route) == "fe80::f816:3eff:fe65:f2ae"
    assert ipv6conf.default_router("") is None
    lease = ipv6conf.parse_lease("ipv6=2001:0db8:0010::0014\ndns=2001:db8::53\n")
    assert lease["dns"] == "2001:db8::53"


def test_a_gateways_announcements_are_named_and_other_frames_are_not():
    from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, IPv6
    from scapy.layers.l2 import ARP, Ether

    from testbed.faults.announce import describe
    from testbed.observe.frames import decode

    mac = "fa:16:3e:50:00:01"
    garp = Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=mac, psrc="203.0.113.10", pdst="203.0.113.10")
    na = Ether(src=mac, dst="33:33:00:00:00:01") / IPv6(src="fe80::1", dst="ff02::1") / \
        ICMPv6ND_NA(tgt="2001:db8:113::10", R=1, S=0, O=1)
    ra = Ether(src=mac) / IPv6(src="fe80::1", dst="ff02::1") / ICMPv6ND_RA()
    asked = Ether(src=mac) / ARP(op=1, hwsrc=mac, psrc="203.0.113.10", pdst="203.0.113.1")
    solicited = Ether(src=mac) / IPv6(src="fe80::1", dst="fe80::2") / ICMPv6ND_NA(tgt="fe80::1")
    ns = Ether(src=mac) / IPv6(src="fe80::1", dst="ff02::1:ff00:1") / ICMPv6ND_NS(tgt="fe80::2")
    assert [describe(decode(p)) for p in (garp, na, ra, asked, solicited, ns)] == [
        "GARP for 203.0.113.10", "unsolicited NA for 2001:db8:113::10", "router advertisement",
        None, None, None]
