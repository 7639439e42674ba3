"""The packet walk on real daemons: the seed's journey VM1 -> VM4 and back, hop by hop.

What the wire shows (OVN 25.03 / 23.03, no ovn-chassis-mac-mappings) is what the seed article
shows: the sending chassis routes (distributed routing), the routed frame crosses the ToR on the
destination's VLAN with R1's port MAC on that VLAN as source, no overlay is used for E/W traffic
over VLAN, and the ToR learns R1-B's MAC in 2010 on compute-a's port after the request and R1-A's
MAC in 2011 on compute-b's port after the reply. Expectations come from testbed.ovn.semantics.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from testbed.cli import main as cli

from .conftest import RUNS


def test_seed_journey_vm1_to_vm4_and_back(seed):
    sc = seed.scenario
    r1 = {p.switch: p.mac for p in sc.routers["R1"].ports}
    vm1, vm4 = sc.vms["vm1"], sc.vms["vm4"]
    # earlier tests may have left R1's MACs on other ports: this flow's own state first
    assert seed.host("vm1").ping(vm4.ip, count=1).loss == 0
    walk = seed.walk("vm1", "vm4")

    walk.request.assert_expected(seed.expect("vm1", "vm4"))
    walk.reply.assert_expected(seed.expect("vm4", "vm1"))
    walk.request.assert_path(["vm1", "compute-a", "tor", "compute-b", "vm4"])
    assert walk.request.routed_by == "compute-a" and walk.reply.routed_by == "compute-b"
    assert walk.request.crossed_overlay is False and walk.reply.crossed_overlay is False

    # the inception: VM1 to its default gateway's MAC, TTL 64, untagged
    out = walk.request.hop("vm1", "eth0")
    assert (out.eth_src, out.eth_dst, out.vlan, out.ttl) == (vm1.mac, r1["A"], None, 64)
    # leaving compute-a: routed (TTL 63), MACs rewritten, VLAN 2010 pushed
    up = walk.request.hop("compute-a", "uplink")
    assert (up.direction, up.eth_src, up.eth_dst, up.vlan, up.ttl) == (
        "out", r1["B"], vm4.mac, 2010, 63)
    # the ToR forwards it unchanged to compute-b's port
    tor_out = walk.request.hop("tor", "compute-b")
    assert (tor_out.direction, tor_out.vlan, tor_out.eth_src, tor_out.ttl) == (
        "out", 2010, r1["B"], 63)
    # arriving at VM4: untagged again
    arrived = walk.request.hop("vm4", "eth0")
    assert (arrived.direction, arrived.vlan, arrived.ttl) == ("in", None, 63)
    # the return: routed by compute-b onto VLAN 2011 with R1-A's MAC
    back = walk.reply.hop("tor", "compute-a")
    assert (back.vlan, back.eth_src, back.eth_dst, back.ttl) == (2011, r1["A"], vm1.mac, 63)

    # the ToR table after each leg: the seed's rows
    assert walk.tor_after("request").port_of(vlan=2010, mac=r1["B"]) == "compute-a"
    assert walk.tor_after("reply").port_of(vlan=2011, mac=r1["A"]) == "compute-b"
    assert walk.tor_after("reply").moves == walk.tor_after("before").moves, "one flow moves nothing"
    assert walk.tor_after("end").port_of(vlan=2011, mac=r1["A"]) == "compute-b", \
        "the switch's own table agrees"
    assert not [n for n in walk.notes if "differs" in n], walk.notes

    # files a person opens
    for name in ("walk.json", "walk.md", "walk.html", "walk.pcapng"):
        assert (walk.folder / name).stat().st_size > 0
    pcaps = list((walk.folder / "pcap").glob("*.pcap"))
    assert len(pcaps) == len(seed.links.capture_points()) >= 20
    saved = json.loads((walk.folder / "walk.json").read_text())
    assert saved["request"]["path"] == walk.request.path


def test_traces_agree_with_the_capture(seed):
    walk = seed.walk("vm1", "vm4")
    assert set(walk.traces) == {"ovn-trace request", "ovn-trace reply", "ofproto/trace request",
                                "ofproto/trace reply"}
    assert walk.traces["ovn-trace request"].datapaths == ["A", "R1", "B"]
    assert walk.traces["ovn-trace request"].outport == "vm4"
    assert walk.traces["ofproto/trace request"].actions.push_vlan == 2010
    assert len(walk.checks) >= 10
    walk.assert_traces_agree()


def test_same_switch_two_chassis_is_switched_not_routed(seed):
    walk = seed.walk("vm1", "vm3")
    walk.request.assert_expected(seed.expect("vm1", "vm3"))
    walk.reply.assert_expected(seed.expect("vm3", "vm1"))
    assert walk.request.routed_by is None and walk.request.vlans == [2011]


def test_north_south_tcp_through_the_active_gateway(seed):
    """To the external host: routed on compute-a, tunnelled to the active gateway, out on the
    external network; the answer (a TCP reset: nothing listens on 22) is routed by the gateway
    and comes back over the VLAN, not the overlay."""
    walk = seed.walk("vm1", "ext", proto="tcp", port=22)
    expected = seed.expect("vm1", "ext")
    walk.request.assert_expected(expected)
    walk.reply.assert_expected(seed.expect("ext", "vm1"))
    gw = expected.path[2]
    tunnel = walk.request.hop("compute-a", direction="out")
    assert tunnel.tunnelled and walk.name_of(tunnel.encap.outer_dst_ip) == f"{gw}'s tunnel endpoint"
    assert walk.reply.hop("vm1").frame.packet.tcp_flags in ("RA", "R")


def test_walk_to_an_address_nobody_has_says_where_it_stopped(seed):
    walk = seed.walk("vm1", "10.10.0.99")
    assert not walk.request.delivered and not walk.reply.seen
    last = walk.request.last_seen
    assert (last.node, last.ifname, last.direction) == ("compute-a", "tap-vm1", "in")
    # dropped, not delayed: compute-a's switch caught up and the probe did not leave it
    assert any(n.startswith("compute-a's switch had handled everything") for n in walk.notes), \
        walk.notes
    with pytest.raises(AssertionError, match="never seen at tor"):
        walk.request.hop("tor")
    # the trace says dropped, the capture saw nothing leave: they agree, and say so
    leaving = [c for c in walk.checks if c.what.startswith("request: leaving compute-a")]
    assert leaving and all(c.agrees for c in leaving), [c.__dict__ for c in walk.checks]
    walk.assert_traces_agree()
    from testbed.report.walk_story import story
    lines = [line for section in story(walk) for line in section.lines]
    assert any("request routed by nobody before it was lost" in line for line in lines), lines
    # a warm-up ping went first, and no ARP of another host is blamed for the loss
    assert any(n.startswith("warm-up: one unmeasured ping vm1 -> 10.10.0.99") for n in walk.notes)
    assert not [n for n in walk.notes if "10.10.0.14" in n or "10.11.0.11 " in n], walk.notes


def test_cli_walk_prints_the_journey(seed, capsys):
    assert cli(["--runs", str(RUNS), "walk", "vm4", "vm1", "--name", seed.name]) == 0
    out = capsys.readouterr().out
    assert "The inception in vm4" in out and "The physical switch (tor)" in out
    assert "request path vm4 -> compute-b -> tor -> compute-a -> vm1" in out
    assert cli(["--runs", str(RUNS), "walk", "vm4", "nobody", "--name", seed.name]) == 1


def browser() -> str | None:
    return next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
                None)


@pytest.mark.skipif(browser() is None, reason="no headless browser installed (apt-get install "
                                              "chromium); .ci/run installs it")
def test_html_report_names_every_hop_in_a_real_browser(seed, tmp_path):
    walk = seed.walk("vm1", "vm4", traces=False)
    page = walk.folder / "walk.html"
    shot = walk.folder / "walk.png"
    common = [browser(), "--headless=new", "--no-sandbox", "--disable-gpu",
              f"--user-data-dir={tmp_path}"]
    dom = subprocess.run([*common, "--dump-dom", page.resolve().as_uri()], capture_output=True,
                         text=True, timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for leg in (walk.request, walk.reply):
        for i, h in enumerate(leg.hops):
            if h.direction == "out" and i + 1 < len(leg.hops):
                nxt = leg.hops[i + 1]
                assert f"{h.node}:{h.ifname} -&gt; {nxt.node}:{nxt.ifname}" in dom.stdout or \
                    f"{h.node}:{h.ifname} -> {nxt.node}:{nxt.ifname}" in dom.stdout
    assert "The physical switch (tor)" in dom.stdout
    assert f"<title>walk {walk.number} vm1 to vm4 - {seed.name} (l3-over-vlan)</title>" in \
        dom.stdout  # the testbed's name, not only the scenario's
    # the sequence picture's hop list stays in view in a 1280 px window: the picture is as
    # wide as the page at most (the browser lays it out; its box is read back with a script)
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", (
        "<script>const r=document.querySelector('.pic svg').getBoundingClientRect();"
        "document.title='svg-right='+Math.round(r.right)+' width='+innerWidth;</script></body>")))
    laid = subprocess.run([*common, "--window-size=1280,900", "--dump-dom",
                           probe.resolve().as_uri()], capture_output=True, text=True, timeout=90)
    found = re.search(r"svg-right=(\d+) width=(\d+)", laid.stdout)
    assert found and int(found.group(1)) <= int(found.group(2)), laid.stdout[:300]
    png = subprocess.run([*common, f"--screenshot={shot}", "--window-size=1280,900",
                          page.resolve().as_uri()], capture_output=True, text=True, timeout=90)
    assert png.returncode == 0 and shot.stat().st_size > 10_000, png.stderr[-2000:]


@pytest.mark.parametrize("sig", ["INT", "TERM", "KILL"])
def test_an_interrupted_walk_leaves_no_capture_running(seed, sig):
    """Ctrl-C and SIGTERM unwind the walk; even SIGKILL takes its tcpdumps down with it."""
    import os
    import signal
    import sys
    import time

    walks = RUNS / seed.name / "walks"
    before = set(walks.iterdir()) if walks.exists() else set()
    proc = subprocess.Popen([sys.executable, "-m", "testbed", "--runs", str(RUNS), "walk", "vm1",
                             "10.10.0.99", "--timeout", "5", "--name", seed.name],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        new: set = set()
        while time.monotonic() < deadline and not any(
                len(list((d / "pcap").glob("*.pcap"))) >= 20 for d in new):
            time.sleep(0.05)  # waiting for another process's files: no event to wait on
            new = (set(walks.iterdir()) if walks.exists() else set()) - before
        assert new, "the walk never started capturing"
        assert tcpdumps(new), "captures should be running mid-walk"
        os.kill(proc.pid, getattr(signal, f"SIG{sig}"))
        proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while tcpdumps(new) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not tcpdumps(new), f"tcpdump still running after SIG{sig}"
    finally:
        if proc.poll() is None:
            proc.kill()


def tcpdumps(folders) -> list[str]:
    out = subprocess.run(["pgrep", "-af", "tcpdump"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if any(str(d) in line for d in folders)]


def test_a_udp_walk_follows_the_datagram(seed):
    """UDP probes are marked by their 4-tuple: routed vm1 -> vm4 as ICMP is."""
    walk = seed.walk("vm1", "vm4", proto="udp", port=5353, traces=False)
    walk.request.assert_expected(seed.expect("vm1", "vm4"))
    assert walk.request.hop("vm4", "eth0", "in").frame.packet.dport == 5353


def test_the_seeds_checks_hold_and_a_wrong_one_says_where_it_diverged(seed, tmp_path, capsys):
    """`testbed check` runs the scenario's `checks:` (exit 0, JUnit with every check); a check
    that expects the wrong router and VLAN fails on exactly those rows, with the walk's report."""
    import xml.etree.ElementTree as ET

    from testbed import checks
    from testbed.model.checks import Expect, WalkCheck

    xml = tmp_path / "checks.xml"
    assert cli(["check", "--name", seed.name, "--junit", str(xml)]) == 0, capsys.readouterr().out
    suite = ET.parse(xml).getroot().find("testsuite")
    assert [c.get("name") for c in suite.iter("testcase")] == [c.title for c in
                                                               seed.scenario.checks]
    assert suite.get("failures") == "0" and suite.find(".//failure") is None
    wrong = WalkCheck(walk="vm1 -> vm4", expect=Expect(routed_by="gw1", tor_vlan=2011,
                                                         overlay=False))
    [res] = checks.run(seed.lab, checks=[wrong])
    assert not res.ok and [r.what for r in res.diverged] == ["routed_by", "tor_vlan"]
    assert (res.diverged[0].expected, res.diverged[0].observed) == ("gw1", "compute-a")
    table = checks.render([res])
    assert "routed_by" in table and "<- diverged" in table and "walk report:" in table
    checks.junit([res], "t", xml)
    failure = ET.parse(xml).getroot().find(".//failure")
    assert failure.get("message").startswith("routed_by: expected gw1, observed compute-a")
