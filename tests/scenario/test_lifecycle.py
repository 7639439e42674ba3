"""Lifecycle on real containers: side by side, down removes exactly one testbed, failures clean up."""

from __future__ import annotations

import pytest

from testbed import wiring
from testbed.cli import main as cli
from testbed.model import load
from testbed.net import Testbed
from testbed.ovn import logical
from testbed.runtime.docker import DockerBackend

from .conftest import RUNS, SMALL


def leftovers(name: str) -> dict[str, list]:
    backend = DockerBackend()
    return {
        "containers": list(backend.nodes(name)),
        "networks": [n.name for n in backend.networks(name)],
        "host veths": wiring.Wiring(name).leftovers(),
    }


IMPAIRED = """
  vmc: {switch: net1, chassis: hv1, mac: "fa:16:3e:00:00:0c", ip: 192.168.50.12}
impairments:
  - {node: vmc, link: hv1, down: true}          # vmc's wire cut from the start
  - {node: hv1, link: tor, loss_pct: 100}       # the VMs are switched on hv1: only floods go out
  - {node: hv1, link: mgmt, rate_kbit: 50000}
checks:
  - {reach: {from: [vma], to: [vmb], expect: true}}
  - {reach: {from: [vma], to: [vmc], expect: false}}
"""


def test_down_removes_exactly_its_testbed(seed, capsys, tmp_path):
    """up (with impairments and --check), show and down as a user runs them, from the command
    line, beside another testbed; the impairments are faults that restore lifts."""
    seed_containers = {n: node.container.id for n, node in seed.nodes.items()}
    runs = ["--runs", str(RUNS)]
    small = tmp_path / "small.yaml"
    small.write_text(SMALL.read_text().rstrip("\n") + IMPAIRED)
    try:
        assert cli([*runs, "up", str(small), "--name", "pytest-small", "--check"]) == 0
        out = capsys.readouterr().out
        assert "remove it with: testbed down pytest-small" in out and "bring-up:" in out, out
        assert "impairment: cut vmc hv1 ifname=eth0" in out and "2 of 2 checks hold" in out, out
        assert len(leftovers("pytest-small")["containers"]) == 6
        impaired = Testbed.attach("pytest-small", RUNS)
        assert [f.describe().split(" ifname")[0] for f in impaired.faults.active] == [
            "cut vmc hv1", "loss hv1 tor loss_pct=100.0", "rate hv1 mgmt kbit=50000"]
        hv1 = impaired.nodes["hv1"]
        assert "tbf" in hv1.exec(["tc", "qdisc", "show"]), "the rate limit's token bucket"
        ifname = impaired.faults.active[1].params["ifname"]
        dropped = hv1.exec(["nft", "list", "table", "netdev", f"testbed-loss-{ifname}"])
        assert "counter packets" in dropped and "packets 0 " not in dropped, \
            dropped  # vma's ARP floods went out towards the ToR and were dropped
        assert impaired.faults.restore_all() == 3
        assert impaired.host("vma").ping("192.168.50.12", count=2, interval=0.2, deadline=5) \
            .received, "restore brought vmc's wire up"
        impaired.close_db()
        assert cli([*runs, "show", "pytest-small"]) == 0
        shown = capsys.readouterr().out
        assert "testbed pytest-small" in shown and "hv1" in shown and "vma" in shown, shown
        tb = Testbed.attach("pytest-small", RUNS)
        result = tb.host("vma").ping("192.168.50.11", count=2, interval=0.2)
        assert result.loss == 0, result.output
        assert result.ttls == [64, 64], "same switch: switched, not routed"
        tb.close_db()
    finally:
        down = cli([*runs, "down", "pytest-small"])
    assert down == 0 and "testbed 'pytest-small' down" in capsys.readouterr().out
    assert leftovers("pytest-small") == {"containers": [], "networks": [], "host veths": []}
    still = DockerBackend().nodes(seed.name)
    assert {n: node.container.id for n, node in still.items()} == seed_containers
    assert all(node.container.status == "running" for node in still.values())
    assert seed.host("vm1").ping("10.10.0.14", count=1).loss == 0


def test_failed_bring_up_removes_everything(monkeypatch):
    def broken(nb, sc):
        raise RuntimeError("injected failure while writing the NB topology")

    monkeypatch.setattr(logical, "build", broken)
    tb = Testbed(load(SMALL), name="pytest-broken", runs_dir=RUNS)
    with pytest.raises(RuntimeError, match="injected failure"):
        tb.up()
    assert leftovers("pytest-broken") == {"containers": [], "networks": [], "host veths": []}
    assert (RUNS / "pytest-broken" / "logs" / "hv1.log").exists(), "logs are kept for diagnosis"


def test_bad_scenario_starts_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.read_text().replace("name: small", "name: pytest-bad")
                   .replace("vlan: 100", "vlan: 4095"))
    assert cli(["--runs", str(tmp_path), "up", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "switches.net1.vlan" in err and "Fix: use a VLAN ID from 1 to 4094" in err
    assert leftovers("pytest-bad") == {"containers": [], "networks": [], "host veths": []}
    assert not (tmp_path / "pytest-bad").exists()


def test_same_name_twice_is_refused(seed):
    with pytest.raises(RuntimeError, match="already up"):
        Testbed(load(SMALL), name=seed.name, runs_dir=RUNS).up()
    assert len(DockerBackend().nodes(seed.name)) == len(seed.nodes)


@pytest.mark.parametrize("sig,phase", [("SIGTERM", "wiring"), ("SIGHUP", "ovn")])
def test_a_signal_during_up_leaves_nothing_behind(sig, phase):
    """What CI runners send on cancel (SIGTERM) and a closed terminal (SIGHUP), delivered when
    `testbed up` enters a phase: it unwinds like Ctrl-C and removes everything it made."""
    import signal
    import subprocess
    import sys

    name = f"pytest-sig-{phase}"
    proc = subprocess.Popen([sys.executable, "-m", "testbed", "--runs", str(RUNS), "up",
                             str(SMALL), "--name", name], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line.rstrip())
            if line.startswith(f"[{phase}] ..."):
                proc.send_signal(getattr(signal, sig))
                break
        rest, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    seen += rest.splitlines()
    assert any(line.startswith(f"[{phase}] ...") for line in seen), seen
    assert proc.returncode == 130, "\n".join(seen[-20:])  # what up said last, not a list
    assert f"testbed '{name}' down" in "\n".join(seen)
    assert leftovers(name) == {"containers": [], "networks": [], "host veths": []}


def test_up_piped_into_head_removes_what_it_made_and_no_old_state_survives():
    """`testbed up | head -3`: the reader goes away while up still prints; up ends as a
    SIGPIPE would end it, removes everything it made, and says so on stderr. A state.json an
    earlier run left (with a fault) is not inherited."""
    import json
    import subprocess
    import sys

    name = "pytest-pipe"
    run = RUNS / name
    run.mkdir(parents=True, exist_ok=True)
    (run / "state.json").write_text(json.dumps({"faults": [{"kind": "stop", "node": "hv1",
                                                            "target": "", "params": {}}]}))
    cmd = (f"{sys.executable} -m testbed --runs {RUNS} up {SMALL} --name {name} | head -3; "
           "echo rc=${PIPESTATUS[0]} >&2")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=300)
    assert len(done.stdout.splitlines()) == 3, done.stdout
    assert "rc=1" in done.stderr and "stdout was closed" in done.stderr, done.stderr[-2000:]
    assert f"testbed '{name}' down" in done.stderr, done.stderr[-2000:]
    assert leftovers(name) == {"containers": [], "networks": [], "host veths": []}
    assert not (run / "state.json").exists(), "an old state.json outlived a new up"
