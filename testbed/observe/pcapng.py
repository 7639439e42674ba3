"""One merged pcapng per walk: every capture's frames in time order, each on an interface named
`node:ifname`, nanosecond timestamps kept (Wireshark shows the interface and the comments).

Reading it back gives the captures again, so a walk can be rebuilt offline (the unit tests do).
"""

from __future__ import annotations

import struct
from pathlib import Path

from scapy.data import DLT_EN10MB
from scapy.packet import Raw
from scapy.utils import EDecimal, PcapNgReader, PcapNgWriter

from ..links import Endpoint
from .frames import Frame, decode

NS = 1_000_000_000


class NanoPcapNgWriter(PcapNgWriter):
    """scapy's pcapng writer with nanosecond resolution (if_tsresol = 9) and exact timestamps."""

    def __init__(self, filename: str):
        super().__init__(filename)
        self.tsresol = NS

    def _get_time(self, packet, sec, usec):  # keep the Decimal: a float loses the nanoseconds
        return packet.time, 0

    def _write_block_idb(self, linktype, ifname=None):
        body = struct.pack(self.endian + "HHI", linktype, 0, 262144)
        opts = b""
        if ifname is not None:
            opts += struct.pack(self.endian + "HH", 2, len(ifname)) + self._add_padding(ifname)
        opts += struct.pack(self.endian + "HH", 9, 1) + self._add_padding(b"\x09")
        opts += struct.pack(self.endian + "HH", 0, 0)
        self.f.write(self.build_block(struct.pack(self.endian + "I", 1), body, options=opts))


def write(path: Path, captured: dict[Endpoint, list[Frame]],
          comments: dict[tuple[str, str, int], str] | None = None) -> None:
    comments = comments or {}
    frames = sorted(((end, f) for end, fs in captured.items() for f in fs), key=lambda x: x[1].ns)
    writer = NanoPcapNgWriter(str(path))
    writer.linktype = DLT_EN10MB  # every capture is of an Ethernet interface
    writer.write_header(None)
    try:
        for end, f in frames:
            pkt = Raw(f.raw)  # the bytes as captured: dissecting them again only cost time
            pkt.time = EDecimal(f.ns) / EDecimal(NS)
            pkt.sniffed_on = str(end)
            note = comments.get((end.node, end.ifname, f.ns))
            if note:
                pkt.comments = [note.encode()]
            writer.write_packet(pkt)
    finally:
        writer.close()


def read(path: Path) -> dict[Endpoint, list[Frame]]:
    out: dict[Endpoint, list[Frame]] = {}
    with PcapNgReader(str(path)) as reader:
        for pkt in reader:
            node, ifname = str(pkt.sniffed_on).split(":", 1)
            out.setdefault(Endpoint(node, ifname), []).append(decode(pkt))
    return out
