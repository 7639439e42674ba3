"""The CLI verbs users expect on a running testbed: exec, nbctl, sbctl, logs, capture."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from scapy.utils import rdpcap

from testbed import wait
from testbed.cli import main as cli
from testbed.ovn import readiness

from .conftest import RUNS


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    rc = cli(["--runs", str(RUNS), *argv])
    return rc, capsys.readouterr().out


def test_exec_nbctl_sbctl_logs(seed, capsys):
    name = seed.name
    rc, out = run_cli(capsys, "exec", "vm1", "--name", name, "--", "ip", "-o", "-4", "addr",
                      "show", "eth0")
    assert rc == 0 and "10.11.0.11/24" in out
    rc, _ = run_cli(capsys, "exec", "vm1", "--name", name, "--", "false")
    assert rc == 1  # the command's own exit status
    rc, out = run_cli(capsys, "nbctl", "--name", name, "--", "--columns=name", "list",
                      "Logical_Router")
    assert rc == 0 and "R1" in out
    rc, _ = run_cli(capsys, "nbctl", "--name", name, "--wait=hv", "sync")  # its own options
    assert rc == 0
    rc, out = run_cli(capsys, "sbctl", "--name", name, "--", "--columns=name", "list", "Chassis")
    assert rc == 0 and {"gw1", "gw2", "compute-a", "compute-b"} <= set(out.split())
    rc, out = run_cli(capsys, "logs", "compute-a", "--name", name, "--tail", "5")
    assert rc == 0 and len(out.splitlines()) <= 5 and out.strip()


def test_capture_writes_a_pcap_of_what_crossed(seed, tmp_path):
    """`testbed capture` as a user runs it (its own process), stopping after two frames. The
    CLI's own start (imports, attach) can take seconds while other testbeds come up ahead on
    the two cores: --seconds is only the bound, the frames' count is what ends it."""
    pcap = tmp_path / "vm1.pcap"
    proc = subprocess.Popen([sys.executable, "-m", "testbed", "--runs", str(RUNS), "capture",
                             "vm1", "eth0", "--name", seed.name, "--count", "2", "--seconds", "40",
                             "--filter", "icmp", "-w", str(pcap)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def missing() -> list[str]:
            if proc.poll() is not None:
                return []
            lost = seed.host("vm1").ping("10.10.0.14", count=1, wait=0.5).loss  # traffic to see
            return [f"the capture to end (a ping meanwhile: {lost:.0f}% lost)"]
        wait.until("two ICMP frames captured on vm1:eth0", missing, 45, interval=0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = proc.communicate()[0]
    assert proc.returncode == 0, out
    frames = rdpcap(str(pcap))
    assert len(frames) == 2 and all(f.haslayer("ICMP") for f in frames)


def test_capture_says_when_tcpdump_fails(seed, tmp_path):
    rc = cli(["--runs", str(RUNS), "capture", "vm1", "nowhere0", "--name", seed.name,
              "--seconds", "5", "-w", str(tmp_path / "x.pcap")])
    assert rc != 0  # tcpdump's own exit status: the interface does not exist


def test_ls_and_show_as_json_for_scripts(seed, capsys):
    import json

    rc, out = run_cli(capsys, "ls", "--json")
    mine = [row for row in json.loads(out) if row["name"] == seed.name]
    assert rc == 0 and len(mine) == 1, out
    assert mine[0]["state"] == "up" and mine[0]["scenario"] == "l3-over-vlan"
    # a container per node, and the holder of the fabric (the mgmt and overlay bridges)
    own = [n for n, node in seed.nodes.items() if ":" not in node.container_name]
    assert mine[0]["containers"] == len(own) + 1 == len(seed.nodes) + 1, (own, out)
    assert mine[0]["age_s"] >= 1
    rc, out = run_cli(capsys, "ls", "-q")
    assert seed.name in out.split()
    rc, out = run_cli(capsys, "show", seed.name, "--json")
    snap = json.loads(out)
    assert rc == 0 and {v["name"]: v["bound_to"] for v in snap["vms"]} == {
        v: vm.chassis for v, vm in seed.scenario.vms.items()}
    rc, out = run_cli(capsys, "fault", "ls", "--name", seed.name, "--json")
    assert rc == 0 and json.loads(out) == []


def test_compose_finds_the_containers_the_engine_api_made(seed):
    """Containers come from the Engine API, but the Compose file and labels let a user's
    `docker-compose -p NAME ps/logs` see them."""
    import shutil

    import pytest

    file = ["-p", seed.name, "-f", str(seed.dir / "compose.yaml")]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        argv = ["docker", "compose", *file]  # Compose v2 (GitHub's runners have only this)
    elif shutil.which("docker-compose"):
        argv = ["docker-compose", *file]     # Compose v1 (Debian's package)
    else:
        pytest.skip("neither `docker compose` nor docker-compose is installed (.ci/run "
                    "installs docker-compose)")
    ps = subprocess.run([*argv, "ps", "-q"], capture_output=True, text=True, timeout=60)
    assert ps.returncode == 0, ps.stderr
    assert len(ps.stdout.split()) == len(seed.nodes)
    logs = subprocess.run([*argv, "logs", "--tail", "3", "gw1"], capture_output=True, text=True,
                          timeout=60)
    assert logs.returncode == 0 and "gw1" in logs.stdout, logs.stdout + logs.stderr


def test_mistyped_names_are_refused_with_what_exists(seed, capsys):
    """A node, a router or a testbed that does not exist: one line naming it and listing what
    does (sorted), exit 1; never a bare KeyError nor a success."""
    name = seed.name
    nodes = ", ".join(sorted(seed.nodes))
    for argv in (("logs", "gw3", "--name", name), ("capture", "gw3", "eth1", "--name", name),
                 ("exec", "gw3", "--name", name, "--", "true")):
        rc = cli(["--runs", str(RUNS), *argv])
        err = capsys.readouterr().err
        assert rc == 1 and f"no node 'gw3' in testbed {name}; nodes: {nodes}" in err, err
    rc = cli(["--runs", str(RUNS), "failover", "--name", name, "--router", "R9"])
    err = capsys.readouterr().err
    assert rc == 1 and "no router 'R9'" in err and "routers with a gateway port: R1" in err, err
    rc = cli(["--runs", str(RUNS), "down", f"{name}-typo"])
    err = capsys.readouterr().err
    assert rc == 1 and f"no testbed '{name}-typo'" in err and name in err, err
    assert seed.nodes["gw1"].running  # the real one is untouched


def test_fault_ls_says_when_nothing_is_injected(seed, capsys):
    rc, out = run_cli(capsys, "fault", "ls", "--name", seed.name)
    assert rc == 0 and out.strip() == "no active faults", out


def test_capture_to_stdout_streams_a_pcap(seed):
    """`testbed capture vm1 eth0 -w - | wireshark -k -i -`: a pcap stream on stdout."""
    import io

    proc = subprocess.Popen([sys.executable, "-m", "testbed", "--runs", str(RUNS), "capture",
                             "vm1", "eth0", "--name", seed.name, "--count", "2", "--seconds",
                             "40", "--filter", "icmp", "-w", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    def missing() -> list[str]:
        if proc.poll() is not None:
            return []
        seed.host("vm1").ping("10.10.0.14", count=1, wait=0.5)  # traffic to capture
        return ["two ICMP frames on stdout"]
    try:
        wait.until("the capture to end", missing, 45, interval=0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    frames = rdpcap(io.BytesIO(out))
    assert len(frames) == 2 and all(f.haslayer("ICMP") for f in frames)


def test_logs_follow_until_interrupted(seed):
    """`testbed logs NODE -f` follows until Ctrl-C, then ends cleanly (130, as Ctrl-C does).
    Ctrl-C comes once the three lines are out: a fixed window would fail on a busy machine,
    where starting Python alone can take longer than the window. It goes through `timeout`,
    which hands SIGINT on: a pytest-xdist worker ignores SIGINT, and a child started directly
    would inherit that, as background jobs of a shell do."""
    import signal
    import threading

    proc = subprocess.Popen(["timeout", "--preserve-status", "-s", "INT", "300",
                             sys.executable, "-m", "testbed", "--runs", str(RUNS), "logs",
                             "compute-a", "-f", "--tail", "3", "--name", seed.name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait.until("three log lines from `logs -f`",
                   lambda: [] if len(lines) >= 3 or proc.poll() is not None
                   else [f"{3 - len(lines)} more lines"], 60, interval=0.05)
        assert proc.poll() is None, ("logs -f ended by itself", proc.returncode,
                                     proc.stderr.read()[-1000:])
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)
    err = proc.stderr.read()
    assert proc.returncode == 130, (proc.returncode, err[-1000:])
    assert "Traceback" not in err, err[-1000:]
    assert len(lines) >= 3, lines


def _verb(*argv: str) -> subprocess.CompletedProcess:
    """A verb as a user runs it, in its own process; a hang fails the test (60 s)."""
    return subprocess.run([sys.executable, "-m", "testbed", "--runs", str(RUNS), *argv],
                          capture_output=True, text=True, timeout=60)


def _verbs(*argvs: tuple[str, ...]) -> list[subprocess.CompletedProcess]:
    """Several verbs side by side, each in its own process (60 s deadline each)."""
    with ThreadPoolExecutor(len(argvs)) as pool:
        return list(pool.map(lambda argv: _verb(*argv), argvs))


def test_verbs_degrade_when_a_database_or_northd_is_down(seed):
    """With SB down a walk still captures and reports the wire path (ofproto/trace too) and
    says ovn-trace was skipped; show prints the nodes and names what is unreachable. With NB
    down walks are whole and a verb that needs NB says so in one line. With northd down walks
    are whole. Each ends on its own (the deadline is subprocess's timeout)."""
    name = seed.name
    with seed.faults.kill("central", "ovnsb_db"):
        walk, show = _verbs(("walk", "vm1", "vm4", "--name", name), ("show", name))
        assert walk.returncode == 0, walk.stdout[-2000:] + walk.stderr[-2000:]
        assert "SB does not answer, so ovn-trace and the logical names were skipped" in walk.stdout
        assert "ofproto/trace request" in walk.stdout
        assert show.returncode == 0 and "SB unreachable" in show.stdout, show.stdout[-2000:]
        assert "compute-a" in show.stdout  # the nodes are still listed
    with seed.faults.kill("central", "ovnnb_db"):
        mode, walk = _verbs(("mode", "R1", "centralized", "--name", name),
                            ("walk", "vm1", "vm4", "--name", name))
        assert mode.returncode == 1 and "the NB database" in mode.stderr, mode.stderr
        assert mode.stderr.count("\n") == 1, mode.stderr  # one line, no retry spam
        assert walk.returncode == 0 and _all_agree(walk.stdout), walk.stdout[-2000:]
    with seed.faults.kill("central", "ovn-northd"):
        walk = _verb("walk", "vm1", "vm4", "--name", name)
        assert walk.returncode == 0 and _all_agree(walk.stdout), walk.stdout[-2000:]
    readiness.wait_all(seed.scenario, seed.nodes, seed.nb, seed.sb, lambda _: None)


def _all_agree(out: str) -> bool:
    """Both traces ran and agree with the capture: "N of N agree" (N > 0)."""
    found = re.search(r"(\d+) of (\d+) agree", out)
    return bool(found) and found.group(1) == found.group(2) != "0"
