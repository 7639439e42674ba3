"""The event stream's parts without Docker: the journal followed as it grows, link states
read from `ip -o link` / `ip monitor`, events as JSON lines and as text."""

from __future__ import annotations

import json
import threading

from testbed.observe import journal
from testbed.observe.events import Event, _link_states


def test_the_journal_is_followed_from_where_it_ended_and_a_half_line_waits(tmp_path):
    journal.record(tmp_path, "walk.started", "vm1", destination="vm4")  # before: not followed
    stop, got = threading.Event(), []

    def follow():
        for item in journal.follow(tmp_path, stop, interval=0.02):
            got.append(item)
            if len(got) == 2:
                stop.set()
    t = threading.Thread(target=follow)
    t.start()
    stop.wait(0.1)
    with open(tmp_path / journal.FILE, "a") as f:
        f.write(json.dumps({"t": 1.0, "kind": "fault.injected", "node": "gw1"}) + "\n")
        f.write('{"t": 2.0, "kind": "fault.rest')  # still being written
        f.flush()
        stop.wait(0.1)
        f.write('ored", "node": "gw1"}\n')
    t.join(timeout=5)
    assert [(g["kind"], g["node"]) for g in got] == [("fault.injected", "gw1"),
                                                     ("fault.restored", "gw1")]


def test_a_journal_that_cannot_be_written_does_not_fail_the_action(tmp_path):
    journal.record(tmp_path / "gone", "fault.injected", "gw1")  # no folder: skipped, no raise


def test_link_states_are_up_only_with_carrier_and_deleted_is_down():
    text = ("2: eth1@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP\n"
            "3: uplink@if7: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state LOWERLAYERDOWN\n"
            "4: x-gw1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN\n"
            "Deleted 5: tap-vm6@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n"
            "not a link line\n")
    assert _link_states(text) == [("eth1", True), ("uplink", False), ("x-gw1", False),
                                  ("tap-vm6", False)]


def test_an_event_is_one_json_object_with_a_timestamp_and_a_line_of_text():
    e = Event(1796651390.18, "gateway.moved", "gw2", {"port": "cr-R1-public", "from": "gw1",
                                                       "to": "gw2"})
    d = json.loads(json.dumps(e.to_json()))
    assert d["time"].startswith("2026-12-07T") and d["time"].endswith("+00:00")
    assert (d["kind"], d["node"], d["from"], d["to"]) == ("gateway.moved", "gw2", "gw1", "gw2")
    assert "gateway.moved" in e.line() and "from=gw1 to=gw2" in e.line()
