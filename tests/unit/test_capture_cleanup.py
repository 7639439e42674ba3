"""A tcpdump left behind by a killed walker is found by its output folder and stopped; a capture
set settles per file (a link never quiet does not hold the others)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import EDecimal, PcapWriter

from testbed import wait
from testbed.links import Endpoint
from testbed.observe.capture import CaptureSet, Running, stop_strays
from testbed.observe.frames import newest_ns, read_pcap


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("tcpdump") is None,
                    reason="needs root and tcpdump on the host")
def test_stray_capture_below_a_folder_is_stopped(tmp_path):
    other = tmp_path / "other"
    mine = tmp_path / "walks" / "1-vm1-vm4"
    other.mkdir()
    mine.mkdir(parents=True)
    procs = [subprocess.Popen(["tcpdump", "-Z", "root", "-i", "lo", "-w", str(d / "lo.pcap")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for d in (mine, other)]
    try:
        for p in procs:  # tcpdump says when it listens: wait for that line, not a delay
            lines = [p.stderr.readline()]
            while b"listening on" not in lines[-1] and lines[-1]:
                lines.append(p.stderr.readline())
            assert b"listening on" in b"".join(lines)
        assert stop_strays(tmp_path / "walks") == 1
        assert procs[0].wait(timeout=10) is not None
        assert procs[1].poll() is None, "a capture outside the folder is left alone"
    finally:
        for p in procs:
            p.kill()
            p.wait()


def _busy_link(pcap, stop: threading.Event, every: float = 0.02, bound: float = 10.0) -> None:
    """A link that always carries something: a frame stamped now every 20 ms (BFD-like)."""
    with PcapWriter(str(pcap), nano=True, sync=True, linktype=1) as out:
        end = time.monotonic() + bound
        while not stop.is_set() and time.monotonic() < end:
            pkt = Ether() / IP(dst="192.0.2.1") / UDP(dport=3784)
            pkt.time = EDecimal(time.time_ns()) / EDecimal(1_000_000_000)
            out.write(pkt)
            stop.wait(every)


def test_newest_stamp_of_a_pcap_read_without_decoding(tmp_path):
    pcap = tmp_path / "x.pcap"
    pcap.touch()
    assert newest_ns(pcap) is None  # created by tcpdump, nothing written yet
    with PcapWriter(str(pcap), nano=True, sync=True, linktype=1) as out:
        out.write_header(None)
    assert newest_ns(pcap) is None  # a header, no frame yet
    with PcapWriter(str(pcap), nano=True, sync=True, linktype=1, append=True) as out:
        for ns in (1_700_000_000_123_456_789, 1_700_000_001_000_000_007):
            pkt = Ether() / IP()
            pkt.time = EDecimal(ns) / EDecimal(1_000_000_000)
            out.write(pkt)
    assert newest_ns(pcap) == 1_700_000_001_000_000_007 == read_pcap(pcap)[-1].ns


def test_settling_does_not_wait_for_a_link_that_is_never_quiet(tmp_path):
    """One pcap grows every 20 ms for 10 s (never quiet for 60 ms), one never grows: settle
    (bounded at 30 s) returns once the busy one holds a frame stamped after it began, while the
    link is still busy; waiting for every file to be quiet would outlast the writer."""
    busy, idle = tmp_path / "busy.pcap", tmp_path / "idle.pcap"
    with PcapWriter(str(idle), nano=True, sync=True, linktype=1) as out:
        out.write_header(None)
    stop = threading.Event()
    writer = threading.Thread(target=_busy_link, args=(busy, stop), daemon=True)
    writer.start()
    caps = CaptureSet([], tmp_path)
    caps.running = [Running(Endpoint("a", "eth1"), busy, None),
                    Running(Endpoint("b", "eth1"), idle, None)]
    try:
        wait.until("the busy link's first frame", lambda: [] if newest_ns(busy) else ["a frame"],
                   10, interval=0.01)
        caps.settle(quiet_ms=60, timeout=30)
        assert writer.is_alive(), "settle waited until the busy link stopped"
    finally:
        stop.set()
        writer.join()
