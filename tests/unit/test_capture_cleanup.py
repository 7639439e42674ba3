"""A tcpdump left behind by a killed walker is found by its output folder and stopped."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from testbed.observe.capture import stop_strays


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
