"""Parsers of what the daemons print, on output recorded from real runs (or the tools' formats)."""

from pathlib import Path

import pytest

from testbed.observe import ping
from testbed.tor import FdbEntry, linux_bridge
from testbed.tor import ovs_output as ovs

DATA = Path(__file__).resolve().parents[1] / "data"


def read(name: str) -> str:
    return (DATA / name).read_text()


def test_ovs_fdb_show_maps_port_numbers_to_chassis_names():
    entries = ovs.parse_fdb(read("ovs-fdb-show.txt"), {"3": "compute-b", "4": "compute-a"})
    assert FdbEntry(2010, "fa:16:3e:65:f2:ae", "compute-a", 3) in entries
    assert FdbEntry(2011, "fa:16:3e:7e:d6:7e", "compute-b", 3) in entries
    assert len(entries) == 6 and entries == sorted(entries)


def test_ovs_mac_move_counter():
    assert ovs.parse_moves(read("ovs-fdb-stats-show.txt")) == 0
    assert ovs.parse_moves("  Total number of port moved MAC entries  : 17\n") == 17
    with pytest.raises(ValueError):
        ovs.parse_moves("Statistics for bridge \"tor\":\n")


def test_linux_bridge_fdb_keeps_learned_entries_on_trunks():
    entries = linux_bridge.parse_fdb(read("bridge-fdb-show.json"), ["compute-a", "compute-b"])
    assert entries == [
        FdbEntry(2010, "fa:16:3e:65:f2:ae", "compute-a", 0),
        FdbEntry(2010, "fa:16:3e:75:ca:89", "compute-b", 2),
        FdbEntry(2011, "fa:16:3e:16:07:92", "compute-a", 3),
    ]


def test_linux_bridge_moves_counted_from_monitor_events():
    # 65:f2:ae moves a->b and back (2); 7e:d6:7e re-learned on the same port (0);
    # 16:07:92 learned elsewhere after its entry was deleted (not a move)
    assert linux_bridge.count_moves(read("bridge-monitor-fdb.txt"), ["compute-a", "compute-b"]) == 2


def test_ping_statistics_and_ttls():
    ok = ping.parse("10.10.0.14", read("ping-ok.txt"))
    assert (ok.sent, ok.received, ok.loss) == (2, 2, 0.0)
    assert ok.ttls == [63, 63] and all(r > 0 for r in ok.rtts_ms)
    lost = ping.parse("10.10.0.99", read("ping-loss.txt"))
    assert (lost.received, lost.loss, lost.ttls) == (0, 100.0, [])
    for refused in ("ping: unknown host x\n", "ping: invalid argument: '7.5'\n",
                    "ping: connect: Network is unreachable\n", ""):
        # nothing measured: an error naming why, never "100 % loss"
        with pytest.raises(ping.PingNotRun, match="did not run"):
            ping.parse("x", refused)


class PingNode:
    """A node whose ping behaves as trixie's iputils does about its deadline (-w): a whole
    number of seconds or a refusal."""

    name = "vm1"

    def __init__(self):
        self.argv: list[str] = []

    def run(self, argv, check=True):
        from testbed.command import CommandResult

        self.argv = list(argv)
        deadline = argv[argv.index("-w") + 1] if "-w" in argv else "1"
        if not deadline.isdigit():
            return CommandResult("vm1", tuple(argv), 2, "", f"ping: invalid argument: '{deadline}'\n")
        return CommandResult("vm1", tuple(argv), 0, read("ping-ok.txt"), "")


def test_a_fractional_deadline_becomes_whole_seconds_that_ping_accepts():
    from testbed.host import Host

    node = PingNode()
    got = Host(node).ping("10.10.0.14", count=50, interval=0.05, deadline=7.5)
    assert node.argv[node.argv.index("-w") + 1] == "8" and got.sent == 2
    assert node.argv[node.argv.index("-i") + 1] == "0.05"  # -i takes decimals


def _deadline_run(seqs: list[int], sent: int) -> str:
    """iputils' output for `ping -c 3 -w 7`: a line per reply, then the summary."""
    lines = [f"64 bytes from 10.10.0.14: icmp_seq={s} ttl=63 time=61.2 ms" for s in seqs]
    return "\n".join(["PING 10.10.0.14 (10.10.0.14) 56(84) bytes of data.", *lines, "",
                      "--- 10.10.0.14 ping statistics ---",
                      f"{sent} packets transmitted, {len(seqs)} received, "
                      f"{100 * (sent - len(seqs)) // sent}% packet loss, time 2004ms", ""])


def test_probes_answered_count_sequence_numbers_not_the_summary():
    # replies slower than the interval: ping -w sent a 4th probe before the 3rd reply came,
    # then stopped at 3 replies; nothing was lost
    late = ping.parse("10.10.0.14", _deadline_run([1, 2, 3], sent=4))
    assert late.loss == 25.0 and late.answered_of(3) == 3
    # probe 2 really lost: ping sent a 4th in its place, whose reply does not stand for it
    lost = ping.parse("10.10.0.14", _deadline_run([1, 3, 4], sent=4))
    assert lost.answered_of(3) == 2
