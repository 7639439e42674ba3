"""Captured frames decoded with scapy: MACs, VLAN, IPs, TTL, ICMP/TCP/UDP, geneve and its inner frame.

A `Frame` is plain data (JSON-able through `to_json`), so that hop reconstruction and its tests
work on recorded pcaps without Docker.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache

from scapy.contrib.geneve import GENEVE
from scapy.error import Scapy_Exception
from scapy.layers.inet import ICMP, IP, TCP, UDP, ICMPerror, IPerror, TCPerror, UDPerror
from scapy.layers.inet6 import (
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6PacketTooBig,
    IPerror6,
    IPv6,
    _ICMPv6,
)
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import NoPayload, Packet, Raw
from scapy.utils import EDecimal

OVN_GENEVE_CLASS, OVN_GENEVE_TYPE = 0x0102, 0x80
"""OVN's geneve option: logical ingress port key (15 bits) and egress port key (16 bits)."""

_TCP_FLAGS = "FSRPAUEC"


@dataclass(frozen=True)
class Encap:
    """The outer part of a tunnelled frame."""

    kind: str  # "geneve" or "vxlan"
    vni: int
    outer_src_mac: str
    outer_dst_mac: str
    outer_src_ip: str
    outer_dst_ip: str
    in_port_key: int | None = None
    out_port_key: int | None = None

    @property
    def datapath_key(self) -> int:
        """OVN's logical datapath key: geneve's whole VNI; vxlan's low 12 bits (OVN puts the
        egress port key in the high 12 and has no room for the ingress port)."""
        return self.vni & 0xFFF if self.kind == "vxlan" else self.vni


@dataclass(frozen=True)
class Quoted:
    """The packet an ICMP error quotes (whose error it is)."""

    ip_src: str
    ip_dst: str
    proto: str
    icmp_id: int | None = None
    sport: int | None = None
    dport: int | None = None


@dataclass(frozen=True)
class Frame:
    ns: int  # capture time, nanoseconds since the epoch
    length: int
    eth_src: str
    eth_dst: str
    vlan: int | None = None
    kind: str = "other"  # ipv4, arp, ipv6, lldp, other
    # (ipv6: ip_src/ip_dst are IPv6 addresses, ttl the hop limit, proto "icmp6" for ICMPv6)
    ip_src: str | None = None
    ip_dst: str | None = None
    ttl: int | None = None
    proto: str | None = None  # icmp, tcp, udp
    icmp_type: int | None = None
    icmp_code: int | None = None
    icmp_id: int | None = None
    icmp_seq: int | None = None
    sport: int | None = None
    dport: int | None = None
    tcp_flags: str | None = None
    arp_op: int | None = None
    payload: bytes = b""
    encap: Encap | None = None
    inner: Frame | None = None
    quoted: Quoted | None = None
    ip_len: int | None = None  # the IP packet's total length (what an MTU limits)
    df: bool = False  # IPv4 "don't fragment"
    icmp_mtu: int | None = None  # the MTU an ICMP "fragmentation needed" announces
    tcp_mss: int | None = None  # the MSS option a TCP SYN offers
    nd_target: str | None = None  # the address a neighbour solicitation / advertisement is about
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def packet(self) -> Frame:
        """The frame being carried: the inner frame of a tunnelled one, else this one."""
        return self.inner if self.inner is not None else self

    def summary(self) -> str:
        f = self.packet
        what = f.kind
        if f.proto == "icmp":
            names = {0: "echo reply", 8: "echo request", 3: "unreachable", 11: "time exceeded"}
            what = f"ICMP {names.get(f.icmp_type, f'type {f.icmp_type}')}"
            if f.icmp_mtu is not None:
                what = f"ICMP fragmentation needed (mtu {f.icmp_mtu})"
            if f.icmp_id is not None:
                what += f" id {f.icmp_id} seq {f.icmp_seq}"
        elif f.proto in ("tcp", "udp"):
            what = f"{f.proto.upper()} {f.sport} > {f.dport}" + (f" [{f.tcp_flags}]" if f.tcp_flags else "")
        elif f.proto == "icmp6":
            names6 = {128: "echo request", 129: "echo reply", 1: "unreachable",
                      2: "packet too big", 3: "time exceeded", 130: "MLD query",
                      131: "MLD report", 132: "MLD done", 143: "MLDv2 report", **ND_NAMES}
            what = f"ICMPv6 {names6.get(f.icmp_type, f'type {f.icmp_type}')}"
            if f.icmp_id is not None:
                what += f" id {f.icmp_id} seq {f.icmp_seq}"
            if f.icmp_mtu is not None:
                what += f" (mtu {f.icmp_mtu})"
            if f.nd_target:
                what += f" for {f.nd_target}"
        elif f.kind == "arp":
            what = "ARP " + ("request" if f.arp_op == 1 else "reply")
        head = f"{f.eth_src} > {f.eth_dst}" + (f" vlan {f.vlan}" if f.vlan is not None else "")
        ips = f" {f.ip_src} > {f.ip_dst} ttl {f.ttl}" if f.ip_src else ""
        tunnel = (f"{self.encap.kind} vni {self.encap.vni} {self.encap.outer_src_ip} > "
                  f"{self.encap.outer_dst_ip}: ") if self.encap else ""
        return f"{tunnel}{head}{ips} {what}"

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("raw")
        d["payload"] = self.payload.hex()
        if d["inner"]:
            d["inner"].pop("raw", None)
            d["inner"]["payload"] = self.inner.payload.hex()
        return d


def _geneve_ports(gen: GENEVE) -> tuple[int | None, int | None]:
    for opt in gen.options or []:
        if opt.classid == OVN_GENEVE_CLASS and opt.type == OVN_GENEVE_TYPE and len(opt.data) >= 4:
            value = int.from_bytes(bytes(opt.data)[:4], "big")
            return (value >> 16) & 0x7FFF, value & 0xFFFF
    return None, None


def decode(pkt: Packet, ns: int | None = None) -> Frame:
    """One captured Ethernet frame -> Frame (geneve payloads decoded as inner frames)."""
    if ns is None:
        ns = int(EDecimal(pkt.time) * 1_000_000_000)
    eth = pkt.getlayer(Ether)
    if eth is None:
        return Frame(ns, len(pkt), "", "", raw=bytes(pkt))
    f: dict = {"ns": ns, "length": len(pkt), "eth_src": eth.src, "eth_dst": eth.dst,
               "raw": bytes(pkt)}
    dot1q = pkt.getlayer(Dot1Q)
    if dot1q is not None:
        f["vlan"] = dot1q.vlan
    if pkt.haslayer(ARP):
        f.update(kind="arp", arp_op=pkt[ARP].op, ip_src=pkt[ARP].psrc, ip_dst=pkt[ARP].pdst)
        return Frame(**f)
    ip = pkt.getlayer(IP)
    if ip is None and pkt.haslayer(IPv6):
        return Frame(**_ipv6(pkt.getlayer(IPv6), f))
    if ip is None:
        f["kind"] = "lldp" if eth.type == 0x88CC else "other"
        return Frame(**f)
    f.update(kind="ipv4", ip_src=ip.src, ip_dst=ip.dst, ttl=ip.ttl, ip_len=ip.len,
             df=bool(int(ip.flags) & 0x2))
    gen = pkt.getlayer(GENEVE)
    if gen is not None and type(gen.underlayer) is UDP and isinstance(gen.payload, Ether):
        in_key, out_key = _geneve_ports(gen)
        outer_eth = eth
        encap = Encap("geneve", gen.vni, outer_eth.src, outer_eth.dst, ip.src, ip.dst,
                      in_key, out_key)
        inner = decode(gen.payload, ns)
        udp = gen.underlayer
        return Frame(**f, proto="udp", sport=udp.sport, dport=udp.dport, encap=encap,
                     inner=inner)
    vx = pkt.getlayer(VXLAN)
    if vx is not None and type(vx.underlayer) is UDP and isinstance(vx.payload, Ether):
        encap = Encap("vxlan", vx.vni, eth.src, eth.dst, ip.src, ip.dst, None, vx.vni >> 12)
        udp = vx.underlayer
        return Frame(**f, proto="udp", sport=udp.sport, dport=udp.dport, encap=encap,
                     inner=decode(vx.payload, ns))
    if ip.haslayer(ICMP):
        icmp = ip[ICMP]
        f.update(proto="icmp", icmp_type=icmp.type, icmp_code=icmp.code)
        if icmp.type == 3 and icmp.code == 4:
            f["icmp_mtu"] = icmp.nexthopmtu
        if icmp.type in (0, 8):
            f.update(icmp_id=icmp.id, icmp_seq=icmp.seq, payload=bytes(icmp.payload)[:64])
        quoted = ip.getlayer(IPerror)
        if quoted is not None:
            q = {"ip_src": quoted.src, "ip_dst": quoted.dst, "proto": str(quoted.proto)}
            if quoted.haslayer(ICMPerror):
                q.update(proto="icmp", icmp_id=quoted[ICMPerror].id)
            elif quoted.haslayer(TCPerror):
                q.update(proto="tcp", sport=quoted[TCPerror].sport, dport=quoted[TCPerror].dport)
            elif quoted.haslayer(UDPerror):
                q.update(proto="udp", sport=quoted[UDPerror].sport, dport=quoted[UDPerror].dport)
            f["quoted"] = Quoted(**q)
    else:
        _transport(ip, f)
    return Frame(**f)


def _transport(ip: Packet, f: dict) -> None:
    """The TCP or UDP fields of an IPv4 or IPv6 packet (nothing for other protocols)."""
    if ip.haslayer(TCP):
        tcp = ip[TCP]
        flags = "".join(c for i, c in enumerate(_TCP_FLAGS) if int(tcp.flags) & (1 << i))
        mss = next((v for k, v in tcp.options if k == "MSS"), None)
        f.update(proto="tcp", sport=tcp.sport, dport=tcp.dport, tcp_flags=flags,
                 payload=bytes(tcp.payload)[:64], tcp_mss=mss)
    elif ip.haslayer(UDP):
        udp = ip[UDP]
        payload = udp.payload.load if isinstance(udp.payload, Raw) else bytes(udp.payload)
        f.update(proto="udp", sport=udp.sport, dport=udp.dport, payload=payload[:64])


ND_NAMES = {133: "router solicitation", 134: "router advertisement",
            135: "neighbour solicitation", 136: "neighbour advertisement"}
"""ICMPv6 neighbour discovery (what ARP is to IPv4), by type"""


def _first_icmp6(ip6: IPv6) -> _ICMPv6 | None:
    """The ICMPv6 message after the extension headers (not one an error quotes)."""
    layer = ip6.payload
    while isinstance(layer, Packet) and not isinstance(layer, IPerror6 | NoPayload):
        if isinstance(layer, _ICMPv6):
            return layer
        layer = layer.payload
    return None


def _ipv6(ip6: IPv6, f: dict) -> dict:
    """An IPv6 packet's fields (extension headers skipped: scapy decodes through them)."""
    plen = ip6.plen if ip6.plen is not None else len(bytes(ip6.payload))  # a packet not built
    f.update(kind="ipv6", ip_src=ip6.src, ip_dst=ip6.dst, ttl=ip6.hlim, ip_len=plen + 40,
             df=True)  # IPv6 routers never fragment: every packet is "don't fragment"
    icmp = _first_icmp6(ip6)
    quoted = ip6.getlayer(IPerror6)
    if icmp is not None:
        f.update(proto="icmp6", icmp_type=icmp.type,  # MLD reports have no code field
                 icmp_code=getattr(icmp, "code", 0))
        if isinstance(icmp, ICMPv6EchoRequest | ICMPv6EchoReply):
            f.update(icmp_id=icmp.id, icmp_seq=icmp.seq, payload=bytes(icmp.data)[:64])
        if isinstance(icmp, ICMPv6PacketTooBig):
            f["icmp_mtu"] = icmp.mtu
        if icmp.type in (135, 136):
            f["nd_target"] = icmp.tgt
    else:
        _transport(ip6, f)
    if quoted is not None:
        inner = quoted.payload
        q = {"ip_src": quoted.src, "ip_dst": quoted.dst, "proto": str(quoted.nh)}
        if isinstance(inner, ICMPv6EchoRequest | ICMPv6EchoReply):
            q.update(proto="icmp6", icmp_id=inner.id)
        elif inner.haslayer(TCPerror) or isinstance(inner, TCP):
            q.update(proto="tcp", sport=inner.sport, dport=inner.dport)
        elif inner.haslayer(UDPerror) or isinstance(inner, UDP):
            q.update(proto="udp", sport=inner.sport, dport=inner.dport)
        f["quoted"] = Quoted(**q)
    return f


STILL_WRITTEN = (EOFError, ValueError, struct.error, Scapy_Exception)
"""What reading a pcap raises while tcpdump is still writing it (empty, or its header or last
record half on disk)."""


def read_pcap(path) -> list[Frame]:
    """Every frame of a pcap file, decoded (nanosecond timestamps kept).

    Most of what a capture holds repeats byte for byte (BFD between every pair of chassis,
    LLDP, the same ARP): a frame's bytes are decoded once per process (`_decoded`, bounded),
    and each record gets its own timestamp. Dissecting with scapy was most of the CPU a walk
    took."""
    from scapy.utils import RawPcapReader

    with RawPcapReader(str(path)) as reader:
        if reader.linktype != DLT_EN10MB:  # not Ethernet: decoded by the layer it names
            return _read_other(path)
        scale = 1 if reader.nano else 1000
        return [_at(_decoded(data), meta.sec * 1_000_000_000 + meta.usec * scale)
                for data, meta in reader]


DLT_EN10MB = 1  # pcap's link type of Ethernet


@lru_cache(maxsize=8192)
def _decoded(data: bytes) -> Frame:
    return decode(Ether(data), 0)


def _at(frame: Frame, ns: int) -> Frame:
    """`frame` stamped `ns` (its inner frame too)."""
    inner = None if frame.inner is None else _at(frame.inner, ns)
    return replace(frame, ns=ns, inner=inner)


def _read_other(path) -> list[Frame]:
    from scapy.utils import PcapReader

    with PcapReader(str(path)) as reader:
        return [decode(pkt) for pkt in reader]


def newest_ns(path) -> int | None:
    """The stamp of a pcap's last whole frame in ns (None: no frame yet), nothing decoded."""
    from scapy.utils import RawPcapReader

    last = None
    try:
        with RawPcapReader(str(path)) as reader:
            for _, meta in reader:
                last = meta
            scale = 1 if reader.nano else 1000
    except STILL_WRITTEN:
        return None
    return None if last is None else last.sec * 1_000_000_000 + last.usec * scale

