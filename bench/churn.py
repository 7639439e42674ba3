"""Control-plane churn, as OVN's scale tests measure it: on a testbed of N compute chassis,
create M VM ports at a given rate, bind each on a chassis as a hypervisor would, and measure
how long each took to be usable; then delete them.

Per port: NB write -> SB Port_Binding.up (ovn-controller installed its flows: what OVS's
`ovn-installed` says on the chassis) and -> NB Logical_Switch_Port.up (what a CMS such as
Neutron waits for), both seen by OVSDB events (never polled). Per run: median, p95, p99, max;
ovn-northd's loop (stopwatch/show) and the CPU seconds NB, SB, northd and the ovn-controllers
used during the churn. JSON and an SVG (latency distribution per size) go to runs/bench/.

Usage: python bench/churn.py [--sizes 20,100] [--ports 100] [--rate 10]
                             [--control standalone|cluster|relays] [--runtime netns|docker]
Prints figures; asserts nothing. Bounded: one testbed at a time, each port waited for at most
--deadline seconds, everything taken down also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import threading
import time
from pathlib import Path

from ovsdbapp.backend.ovs_idl.event import RowEvent

from testbed.model import find, parse
from testbed.names import PIDFILES
from testbed.net import Testbed
from testbed.parallel import each
from testbed.report import latency_svg

ROOT = Path(__file__).resolve().parents[1]
CENTRAL_DAEMONS = {"NB": "ovnnb_db", "SB": "ovnsb_db", "northd": "ovn-northd"}
CONTROL = {"standalone": "{role: central}", "cluster": "{role: central, replicas: 3}",
           "relays": "{role: central, relays: 2}"}


def scenario_of(size: int, control: str):
    """scale-100's chassis without its VMs and checks: `size` computes, the central as asked."""
    text = find("scale-100").read_text()
    text = re.sub(r"count: 100\b", f"count: {size}", text)
    text = text.replace("name: scale-100", f"name: churn-{size}")
    text = text.replace("central: {role: central}", f"central: {CONTROL[control]}")
    text = re.sub(r"\nvms:\n.*?(?=\n\S|\Z)", "\n", text, flags=re.S)
    text = re.sub(r"\nchecks:.*\Z", "\n", text, flags=re.S)
    return parse(text, f"churn-{size}")


class Up(RowEvent):
    """When each port of `ports` came up, in a table (SB Port_Binding or NB LSP)."""

    def __init__(self, table: str, key: str, ports: set[str]):
        super().__init__((self.ROW_UPDATE, self.ROW_CREATE), table, None)
        self.column, self.ports, self.at = key, ports, {}
        self.done = threading.Condition()

    def match_fn(self, event, row, old):
        return getattr(row, self.column) in self.ports and True in (row.up or [])

    def run(self, event, row, old):
        with self.done:
            self.at.setdefault(getattr(row, self.column), time.time())
            self.done.notify_all()

    def wait(self, port: str, deadline: float) -> float | None:
        with self.done:
            while port not in self.at and time.time() < deadline:
                self.done.wait(deadline - time.time())
            return self.at.get(port)


def cpu_seconds(tb: Testbed) -> dict[str, float]:
    """CPU seconds so far of the central daemons (every member) and the ovn-controllers, by
    each node's own pidfiles (the namespace runtime's nodes share one PID namespace)."""
    sc = tb.scenario
    script = 'cut -d" " -f14,15 "/proc/$(cat "$1")/stat" 2>/dev/null | awk "{print \\$1+\\$2}"'

    def ticks(node: str, daemon: str) -> float:
        out = tb.nodes[node].run(["sh", "-c", script, "sh", PIDFILES[daemon]], check=False)
        return float(out.stdout.strip() or 0) / os.sysconf("SC_CLK_TCK")
    out = {name: sum(ticks(c, d) for c in sc.centrals) for name, d in CENTRAL_DAEMONS.items()}
    out["relays"] = sum(ticks(r, "ovnsb_db") for r in sc.relays)
    out["controllers"] = sum(each(lambda c: ticks(c, "ovn-controller"), sc.chassis))
    return out


def northd_loop(tb: Testbed) -> str:
    """The active northd's own stopwatch of its main loop (ms), as it reports it."""
    for c in tb.scenario.centrals:
        out = tb.nodes[c].run(["ovn-appctl", "-t", "ovn-northd", "stopwatch/show",
                               "ovnnb_db_run"], check=False).stdout
        found = re.search(r"Maximum:\s*([\d.]+).*?95th percentile:\s*([\d.]+)", out, re.S)
        if found and "Total samples: 0" not in out:
            return f"max {float(found.group(1)):.0f} ms, p95 {float(found.group(2)):.0f} ms"
    return "not reported"


def churn(tb: Testbed, count: int, rate: float, deadline: float) -> dict:
    sc = tb.scenario
    computes = [c for c in sc.chassis if c.startswith("hv-")]
    names = [f"churn-{i:04d}" for i in range(count)]
    sb_up, nb_up = Up("Port_Binding", "logical_port", set(names)), Up(
        "Logical_Switch_Port", "name", set(names))
    tb.sb.watch(sb_up)
    tb.nb.watch(nb_up)
    cpu0, written = cpu_seconds(tb), {}
    try:
        start = time.time()
        for i, port in enumerate(names):
            time.sleep(max(0.0, start + i / rate - time.time()))  # the rate asked, not faster
            mac, ip = f"0a:00:00:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}", \
                f"10.11.{2 + (i >> 8)}.{i & 255}"
            with tb.nb.transaction(check_error=True) as txn:
                txn.add(tb.nb.lsp_add("A", port))
                txn.add(tb.nb.lsp_set_addresses(port, [f"{mac} {ip}"]))
            written[port] = time.time()
            tb.nodes[computes[i % len(computes)]].exec(  # the hypervisor plugs the VIF
                ["ovs-vsctl", "add-port", "br-int", port[-15:], "--", "set", "Interface",
                 port[-15:], "type=internal", f"external_ids:iface-id={port}"])
        end = time.time() + deadline
        installed = {p: sb_up.wait(p, end) for p in names}
        cms = {p: nb_up.wait(p, end) for p in names}
        cpu1 = cpu_seconds(tb)
        loop = northd_loop(tb)
    finally:
        tb.sb.unwatch(sb_up)
        tb.nb.unwatch(nb_up)
    t0 = time.time()
    for i, port in enumerate(names):
        tb.nodes[computes[i % len(computes)]].run(["ovs-vsctl", "--if-exists", "del-port",
                                                   port[-15:]], check=False)
    with tb.nb.transaction(check_error=True) as txn:
        for port in names:
            txn.add(tb.nb.lsp_del(port, "A", if_exists=True))
    deleted = time.time() - t0
    lat = sorted(installed[p] - written[p] for p in names if installed[p])
    lat_nb = sorted(cms[p] - written[p] for p in names if cms[p])
    return {"ports": count, "rate": rate, "installed_s": lat, "nb_up_s": lat_nb,
            "missing": [p for p in names if not installed[p]],
            "cpu_s": {k: round(cpu1[k] - cpu0[k], 2) for k in cpu1}, "northd_loop": loop,
            "delete_s": round(deleted, 2)}


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20,100")
    ap.add_argument("--ports", type=int, default=100)
    ap.add_argument("--rate", type=float, default=10, help="ports created per second")
    ap.add_argument("--control", default="standalone", choices=sorted(CONTROL))
    ap.add_argument("--runtime", default="netns", choices=("netns", "docker"))
    ap.add_argument("--deadline", type=float, default=120, help="seconds a port may take")
    args = ap.parse_args()
    if not 0 < args.ports <= 500 or not 0 < args.rate <= 100:  # 10.11.2.0/23 holds them
        raise SystemExit("--ports in 1..500 and --rate in (0, 100]")
    print(f"churn: {args.ports} ports at {args.rate:g}/s, {args.control} control plane, "
          f"runtime {args.runtime}")
    print(f"{'chassis':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'NB up p50':>9} "
          f"{'miss':>4}  CPU s (NB, SB, northd, relays, controllers)   northd loop")
    results, out = [], ROOT / "runs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        tb = Testbed(scenario_of(size, args.control), name=f"bench-churn-{size}",
                     runs_dir=ROOT / "runs", progress=lambda _: None, runtime=args.runtime)
        try:
            tb.up()
            r = {"chassis": size, "control": args.control, **churn(tb, args.ports, args.rate,
                                                                   args.deadline)}
        finally:
            tb.down()
        results.append(r)
        lat, cpu = r["installed_s"], r["cpu_s"]
        print(f"{size:>7} {pct(lat, .5):6.2f} {pct(lat, .95):6.2f} {pct(lat, .99):6.2f} "
              f"{max(lat, default=float('nan')):6.2f} {pct(r['nb_up_s'], .5):9.2f} "
              f"{len(r['missing']):>4}  {cpu['NB']:.2f}, {cpu['SB']:.2f}, {cpu['northd']:.2f}, "
              f"{cpu['relays']:.2f}, {cpu['controllers']:.1f}   {r['northd_loop']}", flush=True)
        stem = f"churn-{args.control}-{args.runtime}"
        (out / f"{stem}.json").write_text(json.dumps(results, indent=1))
        (out / f"{stem}.svg").write_text(latency_svg.svg(
            f"NB write to ovn-installed, {args.ports} ports at {args.rate:g}/s, "
            f"{args.control}", {f"{r['chassis']} chassis": r["installed_s"] for r in results}))
    print(f"figures: {out / stem}.json, picture: {out / stem}.svg")
    print("median of medians:", round(statistics.median(pct(r["installed_s"], .5)
                                                        for r in results), 3), "s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
