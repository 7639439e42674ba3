"""Packet captures: tcpdump run from the host inside a node's network namespace, into pcap files.

Running tcpdump from the host (`nsenter --net=/proc/PID/ns/net tcpdump ...`) writes the pcaps
straight into the run's folder, needs nothing in the containers, and starts every capture of a
walk in parallel. All captures use the kernel's one clock, in nanoseconds, so frames from
different interfaces can be put in order. The files are read back with scapy (`frames.py`).
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import wait
from ..errors import TestbedError
from ..links import Endpoint
from ..runtime.base import Node
from .frames import STILL_WRITTEN, Frame, newest_ns, read_pcap

START_TIMEOUT = 10.0


class CaptureError(TestbedError, RuntimeError):
    pass


def tcpdump_argv(netns: str, ifname: str, pcap: Path, bpf: list[str] | None = None,
                 direction: str | None = None) -> list[str]:
    """setpriv gives tcpdump a parent-death signal: it stops even if the walker is SIGKILLed
    (a preexec_fn would do the same in Python, but can deadlock a process that runs threads).
    `direction`: "in" or "out" only (tcpdump -Q), both when None."""
    return ["setpriv", "--pdeathsig", "TERM",
            "nsenter", f"--net={netns}", "tcpdump", "-Z", "root", "-U",
            "--immediate-mode", "--time-stamp-precision=nano", "-nn", "-i", ifname,
            *(["-Q", direction] if direction else []), "-w", str(pcap), *(bpf or [])]


def pcap_name(end: Endpoint) -> str:
    return f"{end.node}--{end.ifname}.pcap"


@dataclass
class Running:
    end: Endpoint
    pcap: Path
    proc: subprocess.Popen
    stderr: str = ""


def gone(stderr: str) -> str:
    """Why tcpdump could not listen, when the interface is down or absent ('' otherwise)."""
    if "is not up" in stderr:
        return "interface down"
    if "No such device" in stderr:
        return "interface gone (a node at one end of its link is stopped)"
    return ""


@dataclass
class CaptureSet:
    """tcpdump on many interfaces at once: `with CaptureSet(points, folder) as caps: ...`."""

    points: list[tuple[Endpoint, str]]  # (end, its node's network namespace: node.netns)
    folder: Path
    bpf: list[str] | None = None
    direction: str | None = None  # "in" or "out" only; both when None
    running: list[Running] = field(default_factory=list)
    drops: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # end -> why (an interface down)

    def __enter__(self) -> CaptureSet:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        missing = [t for t in ("tcpdump", "nsenter", "setpriv") if shutil.which(t) is None]
        if missing:
            raise CaptureError(f"captures need {', '.join(missing)} on the host: "
                               "apt-get install tcpdump util-linux (make installs tcpdump)")
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            for end, netns in self.points:
                pcap = self.folder / pcap_name(end)
                proc = subprocess.Popen(tcpdump_argv(netns, end.ifname, pcap, self.bpf,
                                                     self.direction),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
                self.running.append(Running(end, pcap, proc))
            self._wait_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_listening(self) -> None:
        """Every tcpdump says 'listening on'; one that exits instead fails the set at once."""
        sel = selectors.DefaultSelector()
        pending = {}
        for r in self.running:
            os.set_blocking(r.proc.stderr.fileno(), False)
            sel.register(r.proc.stderr, selectors.EVENT_READ, r)
            pending[id(r)] = r
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise wait.WaitTimeout(
                        f"timed out after {START_TIMEOUT:.0f} s waiting for captures to start; "
                        f"still missing: {', '.join(str(r.end) for r in pending.values())}")
                for key, _ in sel.select(timeout=left):
                    r = key.data
                    chunk = r.proc.stderr.read() or b""
                    r.stderr += chunk.decode(errors="replace")
                    if "listening on" in r.stderr:
                        pending.pop(id(r), None)
                        sel.unregister(r.proc.stderr)
                        continue
                    if r.proc.poll() is None:  # asked once: it may exit between two asks
                        continue
                    r.stderr += (r.proc.stderr.read() or b"").decode(errors="replace")
                    if why := gone(r.stderr):
                        # a cut link, or a veth whose other end's node stopped: nothing crosses
                        # it; say so instead of failing the set
                        self.skipped[str(r.end)] = why
                        pending.pop(id(r), None)
                        sel.unregister(r.proc.stderr)
                    else:
                        raise CaptureError(f"tcpdump on {r.end} exited {r.proc.returncode}: "
                                           f"{r.stderr.strip()}")
        finally:
            sel.close()

    def settle(self, quiet_ms: int = 60, timeout: float = 1.5) -> None:
        """Wait until every frame in flight is on disk, bounded: each pcap either stops growing
        for `quiet_ms`, or holds a frame stamped after this call began (its tcpdump has written
        everything before: one interface, frames in order). Judged per file: a link that always
        carries something (BFD every 300 ms on each overlay session) does not keep the others
        waiting, and is done with its next frame."""
        since = time.time_ns()  # the kernel stamps frames with the same clock
        deadline = time.monotonic() + timeout

        def size(r: Running) -> int:
            return r.pcap.stat().st_size if r.pcap.exists() else 0
        growing = {id(r): (r, size(r)) for r in self.running}
        while growing and time.monotonic() < deadline:
            time.sleep(quiet_ms / 1000)
            for key, (r, last) in list(growing.items()):
                now = size(r)
                if now == last or (newest_ns(r.pcap) or 0) >= since:
                    del growing[key]
                else:
                    growing[key] = (r, now)

    def wait_for(self, end: Endpoint, seen: Callable[[list[Frame]], bool], what: str,
                 timeout: float = 2.0) -> None:
        """Wait until the capture on `end` holds a frame that `seen` accepts (written to disk)."""
        run = next(r for r in self.running if r.end == end)

        def missing() -> list[str]:
            return [] if seen(_read_running(run.pcap)) else [f"{what} in the capture on {end}"]
        wait.until(what, missing, timeout, interval=0.02)

    def stop(self) -> None:
        for r in self.running:
            if r.proc.poll() is None:
                try:
                    os.killpg(r.proc.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        for r in self.running:
            try:
                r.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(r.proc.pid, signal.SIGKILL)
                r.proc.wait()
            if r.proc.stderr:
                os.set_blocking(r.proc.stderr.fileno(), True)
                r.stderr += (r.proc.stderr.read() or b"").decode(errors="replace")
                r.proc.stderr.close()
            for line in r.stderr.splitlines():
                if "dropped by kernel" in line:
                    self.drops[str(r.end)] = int(line.split()[0])

    def frames(self) -> dict[Endpoint, list[Frame]]:
        return {r.end: read_pcap(r.pcap) if r.pcap.exists() else [] for r in self.running}

    def frames_now(self, timeout: float = 2.0) -> dict[Endpoint, list[Frame]]:
        """The frames on disk so far, while the captures still run (a file whose header or last
        record is being written is read again)."""
        out: dict[Endpoint, list[Frame]] = {}

        def missing() -> list[str]:
            out.update({r.end: _read_running(r.pcap) for r in self.running})
            return []
        wait.until("the captures to be readable", missing, timeout, interval=0.02)
        return out


def _read_running(pcap: Path) -> list[Frame]:
    """A pcap tcpdump may still be writing; `wait.NotYet` while it cannot be read whole."""
    try:
        return read_pcap(pcap) if pcap.exists() else []
    except STILL_WRITTEN as exc:
        raise wait.NotYet(str(exc)) from exc


def stop_strays(folder: Path) -> int:
    """SIGTERM every tcpdump writing below `folder` (left by a walker that was killed); count."""
    stopped = 0
    needle = str(folder.resolve())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv if a]
        if words and words[0].endswith("tcpdump") and any(needle in w for w in words):
            try:
                os.kill(int(proc.name), signal.SIGTERM)
                stopped += 1
            except ProcessLookupError:
                pass
    return stopped


# --- a single capture, for tests that look at one interface --------------------------------


@dataclass
class Capture:
    node: str
    interface: str
    frames: list[Frame] = field(default_factory=list)

    def icmp(self, kind: str, src_ip: str, dst_ip: str) -> list[Frame]:
        """Frames carrying an ICMP 'echo request' or 'echo reply' from src_ip to dst_ip."""
        wanted = {"echo request": 8, "echo reply": 0}[kind]
        return [f.packet for f in self.frames if f.packet.proto == "icmp"
                and f.packet.icmp_type == wanted and f.packet.ip_src == src_ip
                and f.packet.ip_dst == dst_ip]


@contextmanager
def capture(node: Node, interface: str, folder: Path | None = None) -> Iterator[Capture]:
    """Capture on `interface` of `node` while the block runs; the result is filled on exit."""
    import tempfile

    result = Capture(node.name, interface)
    with tempfile.TemporaryDirectory(prefix="ovn-testbed-cap-") as tmp:
        caps = CaptureSet([(Endpoint(node.name, interface), node.netns)], folder or Path(tmp))
        with caps:
            yield result
            caps.settle()
        result.frames = next(iter(caps.frames().values()))
