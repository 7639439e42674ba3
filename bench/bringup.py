"""Bring-up time by phase (images present -> first routed ping), against its floor, measured in
the same run; memory per chassis.

The floor is the same testbed on the netns runtime (testbed/runtime/netns.py): the same image's
binaries, node-init, daemons, links, OVN configuration and readiness waits, with every node a set
of namespaces in one holder container instead of a container of its own, and commands entering
them with nsenter instead of `docker exec`. The holder container's start (the binaries a host
would have installed) is left out of the floor's time. The bare floor (bench/bare.py) goes
further: the seed's shape built by hand from the node image's binaries in plain namespaces, no
container, no node-init, none of the testbed's waits. The runs alternate (docker, netns, bare,
bare, netns, docker, ...) so that drift on a shared machine falls on all; the ratios of the
medians are the figures (goals: 1.25 over netns, 1.5 over bare), absolute seconds move from run
to run.

Usage: python bench/bringup.py [SCENARIO] [--runs N] [--runtimes docker,docker-vmns,netns,bare]
(docker-vmns: the docker runtime with the VMs as namespaces in one holder, vm_namespaces)
Prints figures; asserts nothing. Run with the node image already built (`make testbed` once).
Bounded: --runs pairs, each bring-up under the testbed's own deadlines and the first ping under
--ping-deadline seconds; every testbed is taken down, also on failure and Ctrl-C.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import bare  # bench/bare.py, beside this script (the floor without any container)
from engine_floor import empty_containers  # bench/engine_floor.py: the engine's own floor

from testbed import wait
from testbed.model import find, load
from testbed.names import LABEL
from testbed.net import Testbed
from testbed.report import phases_svg
from testbed.runtime import images

ROOT = Path(__file__).resolve().parents[1]
VMNS = "docker-vmns"


def rss_mb(tb: Testbed, node: str) -> dict[str, float]:
    out = tb.nodes[node].exec(["ps", "-eo", "rss=,comm="])
    rss: dict[str, float] = {}
    for line in out.splitlines():
        kb, comm = line.split(None, 1)
        if comm.startswith(("ovs", "ovn")):
            rss[comm] = rss.get(comm, 0) + int(kb) / 1024
    return rss


def one_run(scenario, runtime: str, i: int, ping_deadline: float) -> dict:
    if runtime == "bare":  # the seed's shape by hand in plain namespaces (bench/bare.py)
        seconds = bare.first_ping(bare.rootfs(images.node_image_tag(scenario.settings.suite)),
                                  ping_deadline)
        return {"phases": {"bare": seconds}, "first_ping": seconds, "mem": {}}
    name = f"bench-{runtime}-{i}"
    if runtime == VMNS:  # the docker runtime, the VMs as namespaces (settings.vm_namespaces)
        scenario = scenario.model_copy(update={"settings": scenario.settings.model_copy(
            update={"vm_namespaces": True})})
        runtime = "docker"
    tb = Testbed(scenario, name=name, runs_dir=ROOT / "runs", progress=lambda _: None,
                 runtime=runtime)
    start = time.monotonic()
    try:
        tb.up()
        (src, _), (_, dst) = list(scenario.vms.items())[:2]
        wait.until(f"a reply from {dst.ip} to {src}",
                   lambda: ["reply"] if tb.host(src).ping(dst.ip, count=1, wait=1).loss else [],
                   ping_deadline, interval=0.0)
        # the holder container only brings the image's files (a host would have them
        # installed): the floor starts when it runs
        first_ping = time.monotonic() - start - getattr(tb.backend, "holder_seconds", 0.0)
        mem = {c: rss_mb(tb, c) for c in scenario.chassis} if name.startswith(
            "bench-docker-") else {}
        containers = len(tb.backend.client.containers.list(
            all=True, filters={"label": f"{LABEL}={name}"}))
        return {"phases": dict(tb.timings), "first_ping": first_ping, "mem": mem,
                "containers": containers}
    finally:
        tb.down()


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})"


def engine_floors(results: dict[str, list[dict]], runs: int, image: str) -> None:
    """Per container count a docker runtime started: the same count of empty containers, so
    that what the engine alone costs stands beside the runs."""
    counts = sorted({r["containers"] for name, rs in results.items() if name not in
                     ("netns", "bare") for r in rs})
    for count in counts:
        took, driver = [], "?"
        for _ in range(runs):
            seconds, driver = empty_containers(count, image)
            took.append(seconds)
        print(f"engine floor: {count} empty containers started in {spread(took)} "
              f"(storage driver {driver}); a docker runtime testbed of {count} containers "
              "cannot come up faster")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(find("l3-over-vlan")))
    ap.add_argument("--runs", type=int, default=3, help="runs per runtime (default 3)")
    ap.add_argument("--runtimes", default=f"docker,{VMNS},netns,bare",
                    help=f"the runtimes measured, then their floors (default docker,{VMNS},"
                         "netns,bare: docker-vmns is the docker runtime with the VMs as "
                         "namespaces, bare is bench/bare.py, the seed's shape in plain "
                         "namespaces)")
    ap.add_argument("--ping-deadline", type=float, default=30.0)
    args = ap.parse_args()
    scenario = load(args.scenario)
    runtimes = args.runtimes.split(",")
    results: dict[str, list[dict]] = {r: [] for r in runtimes}
    for i in range(args.runs):
        order = runtimes if i % 2 == 0 else runtimes[::-1]
        for runtime in order:
            r = one_run(scenario, runtime, i, args.ping_deadline)
            results[runtime].append(r)
            print(f"run {i + 1}/{args.runs} {runtime:<7} first ping {r['first_ping']:.2f} s  "
                  + "  ".join(f"{k} {v:.2f}" for k, v in r["phases"].items()), flush=True)
    print(f"\nscenario {scenario.name}: {len(scenario.chassis)} chassis, {len(scenario.vms)} "
          f"VMs, {args.runs} runs per runtime (median, min-max)")
    for runtime, rs in results.items():
        print(f"runtime {runtime}:")
        for phase in rs[0]["phases"]:
            print(f"  {phase:<12} {spread([r['phases'][phase] for r in rs])}")
        print(f"  {'first ping':<12} {spread([r['first_ping'] for r in rs])}"
              "  from up() to the first routed reply")
    goals = {"netns": 1.25, "bare": 1.5}
    for measured in [r for r in runtimes if r not in goals]:
        took = statistics.median(r["first_ping"] for r in results[measured])
        for floor in [r for r in runtimes if r in goals]:
            ratio = took / statistics.median(r["first_ping"] for r in results[floor])
            print(f"ratio {measured} / {floor}, first routed ping: {ratio:.2f}  "
                  f"(goal: at most {goals[floor]})")
    engine_floors(results, args.runs, images.node_image_tag(scenario.settings.suite))
    medians = [(f"{runtime} (median of {len(rs)})",
                {phase: statistics.median(r["phases"][phase] for r in rs) for phase in rs[0]["phases"]})
               for runtime, rs in results.items()]
    picture = ROOT / "runs" / "bench" / "bringup.svg"
    picture.parent.mkdir(parents=True, exist_ok=True)
    picture.write_text(phases_svg.svg(f"{scenario.name}: bring-up by phase", medians))
    print(f"picture: {picture}")
    mem = next((r["mem"] for r in reversed(results.get("docker", [])) if r["mem"]), {})
    if mem:
        print("memory per chassis (RSS, MB, last docker run):")
        for chassis, procs in mem.items():
            detail = ", ".join(f"{k} {v:.1f}" for k, v in sorted(procs.items()))
            print(f"  {chassis:<10} {sum(procs.values()):6.1f}  ({detail})")


if __name__ == "__main__":
    main()
