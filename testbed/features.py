"""What the host kernel offers, probed at run time, and the choices that follow from it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .model import Datapath, Scenario, TorBackend

DATAPATH_ENV = "OVN_TESTBED_DATAPATH"
TOR_ENV = "OVN_TESTBED_TOR"


def kernel_ovs_datapath() -> bool:
    """The openvswitch kernel module is loaded (containers cannot load modules themselves)."""
    return Path("/sys/module/openvswitch").exists()


def _in_throwaway_netns(script: str) -> bool:
    """Whether `script` succeeds in a network namespace made for it and gone after."""
    try:
        return subprocess.run(["unshare", "--net", "sh", "-c", script],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def bridge_vlan_filtering() -> bool:
    """A Linux bridge accepts vlan_filtering."""
    return _in_throwaway_netns("ip link add tbprobe type bridge vlan_filtering 1")


def netem() -> bool:
    """The kernel has sch_netem (delay)."""
    return _in_throwaway_netns("tc qdisc add dev lo root netem delay 1ms")


def refuse_unsupported(sc: Scenario) -> None:
    """What the scenario asks of the kernel that it lacks, refused before anything starts."""
    delayed = [i for i, imp in enumerate(sc.impairments) if imp.delay_ms]
    if delayed and not netem():
        raise ValueError(f"impairments.{delayed[0]}.delay_ms: this kernel has no sch_netem "
                         "(CONFIG_NET_SCH_NETEM), so no delay can be added here. Fix: drop "
                         "delay_ms (loss_pct, rate_kbit and down work without netem)")


@dataclass(frozen=True)
class Choices:
    datapath: str  # netdev | system
    tor_backend: str  # ovs | linux-bridge
    why: str


def choose(sc: Scenario) -> Choices:
    """Resolve `auto` settings (environment variables override the scenario)."""
    dp = os.environ.get(DATAPATH_ENV) or sc.settings.datapath.value
    tor = os.environ.get(TOR_ENV) or sc.settings.tor_backend.value
    valid_dp = {d.value for d in Datapath}
    valid_tor = {t.value for t in TorBackend}
    if dp not in valid_dp:
        raise ValueError(f"{DATAPATH_ENV}={dp!r}: use one of {', '.join(sorted(valid_dp))}")
    if tor not in valid_tor:
        raise ValueError(f"{TOR_ENV}={tor!r}: use one of {', '.join(sorted(valid_tor))}")
    why = []
    if dp == "auto":
        dp = "system" if kernel_ovs_datapath() else "netdev"
        why.append("kernel openvswitch module " + ("loaded" if dp == "system" else "absent"))
    if tor == "auto":
        tor = "linux-bridge" if bridge_vlan_filtering() else "ovs"
        why.append("bridge VLAN filtering " + ("available" if tor == "linux-bridge" else "absent"))
    return Choices(dp, tor, "; ".join(why) or "as configured")
