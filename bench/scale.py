"""Scale: the seed's shape (central, 2 gateways, ToR, external host) with N compute chassis and
a VM on each, for N in --sizes; per size: bring-up by phase, time to the first ping between the
VMs on the first and the last chassis, memory per chassis and in total, host CPU at idle, the
ToR's MAC table, teardown. Bounded: one testbed at a time, each size under --deadline seconds,
the first failure stops the run; everything is taken down, also on Ctrl-C.

Usage: python bench/scale.py [--sizes 10,25,50,100] [--deadline 600] [--runtime docker|netns]
Prints figures; asserts nothing. Run with the node image already built (`make testbed` once).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

from engine_floor import empty_containers  # bench/engine_floor.py, beside this script

from testbed import checks, wait
from testbed.model import find, parse
from testbed.names import LABEL
from testbed.net import Testbed
from testbed.parallel import each
from testbed.report import phases_svg
from testbed.runtime import netns
from testbed.runtime.runtimes import available

ROOT = Path(__file__).resolve().parents[1]


def scenario_of(size: int):
    """scale-100 with `size` computes and VMs (the count lines rewritten)."""
    text = find("scale-100").read_text()
    text = re.sub(r"count: 100\b", f"count: {size}", text)
    text = text.replace("name: scale-100", f"name: scale-{size}")
    width = len(str(size))  # count writes vm-1..vm-9, vm-01..vm-10, vm-001..vm-100
    for i in (1, 2):  # the checks name the first two VMs
        text = text.replace(f"vm-{i:03d}", f"vm-{i:0{width}d}")
    return parse(text, f"scale-{size}")


def chassis_rss_mb(tb: Testbed, node: str) -> float:
    out = tb.nodes[node].exec(["ps", "-eo", "rss=,comm="])
    return sum(int(line.split()[0]) for line in out.splitlines()
               if line.split()[1].startswith(("ovs", "ovn"))) / 1024


def netns_rss_mb(testbed: str) -> dict[str, float]:
    """netns runtime: node -> RSS of its ovs/ovn daemons, from the host's /proc (ps in a node
    sees the whole holder)."""
    out: dict[str, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        env = netns._environ(pid)
        if env.get("OVN_TESTBED") != testbed:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields["Name"].strip().startswith(("ovs", "ovn")) and "VmRSS" in fields:
            node = env["OVN_TESTBED_NODE"]
            out[node] = out.get(node, 0) + int(fields["VmRSS"].split()[0]) / 1024
    return out


def host_cpu_busy(seconds: float = 5.0) -> float:
    """Share of the host's CPU time not idle over `seconds` (all cores), in percent."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    (t0, i0), _ = sample(), time.sleep(seconds)
    t1, i1 = sample()
    return 100.0 * (1 - (i1 - i0) / max(1, t1 - t0))


def one_size(size: int, deadline: float, runtime: str) -> dict:
    sc = scenario_of(size)
    computes = [c for c in sc.chassis if c.startswith("hv-")]
    first_vm = next(v for v, vm in sc.vms.items() if vm.chassis == computes[0])
    last_vm = next(v for v, vm in sc.vms.items() if vm.chassis == computes[-1])
    tb = Testbed(sc, name=f"bench-scale-{size}", runs_dir=ROOT / "runs", progress=lambda _: None,
                 runtime=runtime)
    started = time.monotonic()
    result: dict = {"size": size}
    try:
        try:
            tb.up()
        except Exception as exc:
            raise RuntimeError(f"phases done: {tb.timings}; load average "
                               f"{os.getloadavg()[0]:.0f}; {exc}") from exc
        result["phases"] = dict(tb.timings)
        result["containers"] = len(tb.backend.client.containers.list(
            all=True, filters={"label": f"{LABEL}={tb.name}"}))
        wait.until(f"{first_vm} to reach {last_vm}", lambda: [] if tb.host(first_vm).ping(
            sc.vms[last_vm].ip, count=1, wait=1).received else ["an echo reply"],
            max(5.0, deadline - (time.monotonic() - started)), interval=0.1)
        result["first_ping"] = time.monotonic() - started
        if runtime == "netns":
            rss = {c: v for c, v in netns_rss_mb(tb.name).items() if c in sc.chassis}
        else:
            rss = dict(zip(sc.chassis, each(lambda c: chassis_rss_mb(tb, c), sc.chassis),
                           strict=True))
        result["rss_per_chassis"] = sum(rss.values()) / len(rss)
        result["rss_total"] = sum(rss.values())
        result["idle_cpu"] = host_cpu_busy()
        result["tor_macs"] = len(tb.tor.fdb())
        held = checks.run(tb.lab)  # the scenario's own checks, at every size
        result["checks"] = f"{sum(r.ok for r in held)}/{len(held)}"
        if not all(r.ok for r in held):
            print(checks.render(held), flush=True)
    finally:
        t = time.monotonic()
        tb.down()
        result["teardown"] = time.monotonic() - t
    return result


def tb_image() -> str:
    from testbed.runtime import images

    return images.node_image_tag(scenario_of(2).settings.suite)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,25,50,100")
    ap.add_argument("--deadline", type=float, default=600, help="seconds per size")
    ap.add_argument("--runtime", default="docker", choices=sorted(available()),
                    help="docker (a container per node) or netns (the floor: namespaces)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (veths are wired from the host)")
        return 2
    print(f"runtime {args.runtime}")
    print(f"{'computes':>8} {'up':>6} {'first ping':>10} {'MB/chassis':>10} {'MB total':>8} "
          f"{'idle CPU':>8} {'ToR MACs':>8} {'checks':>6} {'down':>6}  phases")
    bars: list[tuple[str, dict[str, float]]] = []
    picture = ROOT / "runs" / "bench" / f"scale-{args.runtime}.svg"
    picture.parent.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        try:
            r = one_size(size, args.deadline, args.runtime)
        except Exception as exc:  # noqa: BLE001 - a bench reports and stops
            print(f"{size:>8} failed: {str(exc)[:300]}")
            return 1
        bars.append((f"{size} computes", r["phases"]))
        picture.write_text(phases_svg.svg(f"bring-up by phase, runtime {args.runtime}", bars))
        phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases"].items())
        print(f"{size:>8} {sum(r['phases'].values()):6.1f} {r['first_ping']:10.1f} "
              f"{r['rss_per_chassis']:10.1f} {r['rss_total']:8.0f} {r['idle_cpu']:7.0f}% "
              f"{r['tor_macs']:>8} {r['checks']:>6} {r['teardown']:6.1f}  {phases}", flush=True)
        if args.runtime == "docker":  # what the engine alone costs for as many containers
            seconds, driver = empty_containers(r["containers"], tb_image())
            print(f"{'':>8} engine floor: {r['containers']} empty containers started in "
                  f"{seconds:.1f} s (storage driver {driver})", flush=True)
    print(f"picture: {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
