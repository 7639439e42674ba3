"""What a walk's packet size met on its way: a tunnel or a link it did not fit, and the ICMP
"fragmentation needed" that said so (or its absence: a black hole).

    testbed walk vm1 ext --size 1500 --df
"""

from __future__ import annotations

from ..model import Scenario
from ..model.mtu import OVERLAY, host_mtu, network_mtu
from .model import Walk


def notes(w: Walk, sc: Scenario) -> list[str]:
    """The walk's notes about its probe's size (none for a probe of the tools' default size)."""
    size = w.probe.size
    if w.probe.proto == "tcp":
        return _mss(w, sc)
    if size is None:
        return []
    what = f"{size} bytes" + (", don't fragment" if w.probe.df else "")
    icmp = next((h for h in w.reply.hops if h.frame.packet.icmp_mtu is not None), None)
    out = []
    if not w.request.seen and w.probe.df:
        out.append(f"{w.source} did not send the request ({what}): its NIC's MTU "
                   f"({host_mtu(sc, w.source)}) or a path MTU its kernel learned before is smaller "
                   f"(`testbed exec {w.source} -- ip route get {w.probe.dst_ip}` shows it)")
    elif w.request.seen and not w.request.delivered:
        out += _tunnel(w, sc, what, told=icmp is not None)
    if icmp is not None:
        p = icmp.frame.packet
        out.append(f"ICMP fragmentation needed from {p.ip_src} announcing MTU {p.icmp_mtu}, first "
                   f"seen at {icmp.where}: the source learns that path MTU and sends smaller "
                   "packets (or fragments them) from now on")
    return out


def _mss(w: Walk, sc: Scenario) -> list[str]:
    """The MSS the SYN offers, whether any hop changed it (OVN does not clamp), and whether a
    full-size segment fits the tunnel the SYN took."""
    offered = [h for h in w.request.hops if h.frame.packet.tcp_mss is not None]
    if not offered:
        return []
    first, last = offered[0].frame.packet.tcp_mss, offered[-1].frame.packet.tcp_mss
    changed = (f"changed to {last} by {offered[-1].where}" if last != first
               else f"unchanged along the path (nothing clamps it; last seen {offered[-1].where})")
    out = [f"the SYN offers MSS {first} (segments of {first + 40} bytes), {changed}"]
    header = _tunnel_header(w)
    mtu = network_mtu(sc, OVERLAY)
    if header is not None and last + 40 + header > mtu:
        out.append(f"a full-size segment ({last + 40} bytes) does not fit the {sc.physical.encap} "
                   f"tunnel it would take ({last + 40} + {header} > overlay MTU {mtu}): the "
                   "handshake passes, full-size data then vanishes")
    return out


def _tunnel_header(w: Walk) -> int | None:
    """Bytes of headers the tunnel the request took adds, as ofproto/trace pushed them."""
    trace = w.traces.get("ofproto/trace request")
    return trace.actions.tunnel_header if trace is not None and not trace.error else None


def _tunnel(w: Walk, sc: Scenario, what: str, told: bool) -> list[str]:
    """The request lost where it was to enter a tunnel too small for it."""
    last = w.request.last_seen
    header = _tunnel_header(w)
    if last is None or header is None:
        return []
    need, mtu = w.probe.size + header, network_mtu(sc, OVERLAY)
    if need <= mtu:
        return []
    silent = "" if told else ", and nothing told the source (no ICMP 'fragmentation needed')"
    nic = next((e["ifname"] for link in w.links if link.get("network") == OVERLAY
                for e in link["ends"] if e["node"] == last.node), "its overlay NIC")
    return [f"the request ({what}) was to leave {last.node} in a {sc.physical.encap} tunnel "
            f"(ofproto/trace: {header} bytes of headers): {w.probe.size} + {header} = {need} "
            f"bytes over the overlay, whose MTU is {mtu}; it never left {last.node} on {nic}"
            f"{silent}"]
