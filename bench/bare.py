"""The bare floor of a seed-shaped bring-up: the node image's own OVS/OVN binaries run from the
host in plain namespaces, with no container at all and no node-init, and the seed's shape built
by hand: central (NB, SB, northd), two gateways and two computes (ovsdb-server, ovs-vswitchd
on the userspace datapath, ovn-controller; br-phy on a VLAN trunk to the ToR, br-ovl on the
overlay), the ToR (an OVS bridge with the four trunks), four VMs on the two VLAN networks, R1
routing between them (distributed). Timed from nothing running to vm1's first routed reply
from vm4 (VLAN 2011 -> 2010), as bench/bringup.py times the testbed's runtimes.

    from bare import first_ping          # bench/bringup.py runs it as the runtime "bare"
    seconds = first_ping(rootfs("ovn-testbed-node:trixie-..."))

Each node is `unshare --mount --uts` in a network namespace of its own, chrooted into the
image's file system (unpacked once, under /var/tmp) with /run, /etc/openvswitch, /var/lib/ovn
and /var/log its own tmpfs. Everything is removed afterwards, also on failure: the namespaces,
their processes, the mounts. Bounded: each wait has a deadline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CENTRAL, GATEWAYS, COMPUTES = "central", ("gw1", "gw2"), ("compute-a", "compute-b")
VMS = {  # name: (chassis, switch, mac, ip)
    "vm1": ("compute-a", "A", "fa:16:3e:16:07:92", "10.11.0.11"),
    "vm4": ("compute-b", "B", "fa:16:3e:75:ca:89", "10.10.0.14"),
    "vm3": ("compute-b", "A", "fa:16:3e:33:00:03", "10.11.0.13"),
    "vm6": ("compute-a", "B", "fa:16:3e:66:00:06", "10.10.0.16"),
}
SWITCHES = {"A": (2011, "10.11.0", "fa:16:3e:7e:d6:7e"), "B": (2010, "10.10.0", "fa:16:3e:65:f2:ae")}
PREFIX = "tbbare-"
TMPFS = ("/run", "/etc/openvswitch", "/var/lib/ovn", "/var/log")


def sh(*argv: str, check: bool = True, timeout: float = 60) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def rootfs(image: str) -> Path:
    """The image's file system, unpacked once (docker export of a container never started)."""
    where = Path("/var/tmp") / f"ovn-testbed-rootfs-{image.replace('/', '_').replace(':', '_')}"
    if os.path.lexists(where / "usr/sbin/ovs-vswitchd"):  # a link into the image itself
        return where
    tmp = Path(tempfile.mkdtemp(prefix="tbbare-rootfs-", dir="/var/tmp"))
    cid = sh("docker", "create", image).strip()
    try:
        export = subprocess.Popen(["docker", "export", cid], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(tmp)], stdin=export.stdout, check=True)
        export.wait()
    finally:
        sh("docker", "rm", cid, check=False)
    tmp.rename(where)
    return where


class Bare:
    """The namespaces and processes of one bare run; `close()` removes them all."""

    def __init__(self, root: Path):
        self.root, self.nodes, self.holders = root, [], {}

    def node(self, name: str) -> None:
        """A network namespace and, holding it, a process with its own mounts in the image."""
        ns = PREFIX + name
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        mounts = "; ".join(f"mount -t tmpfs tmpfs {self.root}{d}" for d in TMPFS)
        dirs = " ".join(f"{self.root}{d}" for d in ("/run/openvswitch", "/run/ovn",
                                                     "/var/log/openvswitch", "/var/log/ovn"))
        script = (f"{mounts}; mkdir -p {dirs}; mount -t proc proc {self.root}/proc; "
                  f"mount --bind /dev {self.root}/dev; hostname {name}; exec sleep infinity")
        proc = subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "--mount", "--uts",
                                 "--propagation", "private", "sh", "-c", script])
        self.holders[name] = proc
        self.nodes.append(name)

    def run(self, name: str, command: str, check: bool = True) -> str:
        """A shell command in the node: its namespaces, chrooted into the image."""
        return sh(*self._argv(name, command), check=check)

    def ok(self, name: str, command: str) -> bool:
        return subprocess.run(self._argv(name, command), capture_output=True).returncode == 0

    def _argv(self, name: str, command: str) -> list[str]:
        pid = self.holders[name].pid
        for _ in range(200):  # the holder's mounts are made a moment after it starts
            if self._mounted(pid):
                break
            time.sleep(0.01)
        return ["nsenter", "-t", str(pid), "-m", "-n", "-u", "--", "chroot", str(self.root),
                "sh", "-c", f"export PATH=/usr/sbin:/usr/bin:/sbin:/bin; {command}"]

    def _mounted(self, pid: int) -> bool:
        return f"{self.root}/dev " in Path(f"/proc/{pid}/mounts").read_text()

    def veth(self, a: str, a_if: str, b: str, b_if: str) -> None:
        sh("ip", "link", "add", "tbbare0", "netns", PREFIX + a, "type", "veth", "peer", "name",
           "tbbare1", "netns", PREFIX + b)
        sh("ip", "-n", PREFIX + a, "link", "set", "tbbare0", "name", a_if, "up")
        sh("ip", "-n", PREFIX + b, "link", "set", "tbbare1", "name", b_if, "up")

    def close(self) -> None:
        for name in self.nodes:
            for pid in sh("ip", "netns", "pids", PREFIX + name, check=False).split():
                sh("kill", "-9", pid, check=False)
            self.holders[name].kill()
            self.holders[name].wait(timeout=10)
            sh("ip", "netns", "del", PREFIX + name, check=False)


OVS = ("ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema && "
       "ovsdb-server /etc/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock "
       "--pidfile --detach --log-file && ovs-vsctl --no-wait init && "
       "ovs-vswitchd --pidfile --detach --log-file")


def _fabric(b: Bare, chassis: list[str]) -> dict[str, str]:
    """mgmt and overlay as Linux bridges in a fabric namespace; each chassis' addresses."""
    b.node("fabric")
    ips = {}
    for net, third in (("mgmt", 1), ("ovl", 2)):
        sh("ip", "-n", PREFIX + "fabric", "link", "add", net, "type", "bridge")
        sh("ip", "-n", PREFIX + "fabric", "link", "set", net, "up")
        for i, name in enumerate([CENTRAL, *chassis] if net == "mgmt" else chassis, start=2):
            b.veth(name, net, "fabric", f"{net}-{i}")
            sh("ip", "-n", PREFIX + "fabric", "link", "set", f"{net}-{i}", "master", net)
            sh("ip", "-n", PREFIX + name, "addr", "add", f"192.168.{third}.{i}/24", "dev", net)
            ips[f"{name}/{net}"] = f"192.168.{third}.{i}"
    return ips


def first_ping(root: Path, deadline: float = 60.0) -> float:
    """Seconds from nothing to vm1's first routed reply from vm4, in bare namespaces."""
    b, chassis = Bare(root), [*GATEWAYS, *COMPUTES]
    start = time.monotonic()
    try:
        for name in [CENTRAL, *chassis, "tor", *VMS]:
            b.node(name)
        ips = _fabric(b, chassis)
        central = ips[f"{CENTRAL}/mgmt"]
        b.run(CENTRAL, "/usr/share/ovn/scripts/ovn-ctl start_northd --db-nb-create-insecure-"
                       "remote=yes --db-sb-create-insecure-remote=yes >/dev/null")
        b.run("tor", OVS + " && ovs-vsctl add-br tor -- set bridge tor datapath_type=netdev")
        for name in chassis:
            b.veth(name, "uplink", "tor", f"x-{name}")
            b.run("tor", f"ovs-vsctl add-port tor x-{name}")
            ovl = ips[f"{name}/ovl"]
            b.run(name, OVS + f" && ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type="
                  f"netdev -- add-port br-phy uplink -- set Open_vSwitch . external_ids:"
                  f"system-id={name} external_ids:ovn-remote=tcp:{central}:6642 external_ids:"
                  f"ovn-encap-type=geneve external_ids:ovn-encap-ip={ovl} external_ids:"
                  f"ovn-bridge-mappings=physnet1:br-phy external_ids:ovn-bridge-datapath-type="
                  f"netdev && ovn-controller --pidfile --detach --log-file")
        nb = f"ovn-nbctl --db=tcp:{central}:6641"
        cmds = [f"{nb} lr-add R1"]
        for sw, (vlan, net, mac) in SWITCHES.items():
            cmds += [f"{nb} ls-add {sw}",
                     f"{nb} lsp-add {sw} ln-{sw} '' {vlan} -- lsp-set-type ln-{sw} localnet -- "
                     f"lsp-set-addresses ln-{sw} unknown -- lsp-set-options ln-{sw} "
                     "network_name=physnet1",
                     f"{nb} lrp-add R1 R1-{sw} {mac} {net}.1/24",
                     f"{nb} lsp-add {sw} {sw}-R1 -- lsp-set-type {sw}-R1 router -- "
                     f"lsp-set-addresses {sw}-R1 router -- lsp-set-options {sw}-R1 "
                     f"router-port=R1-{sw}"]
        for vm, (_, sw, mac, ip) in VMS.items():
            cmds.append(f"{nb} lsp-add {sw} {vm} -- lsp-set-addresses {vm} '{mac} {ip}'")
        b.run(CENTRAL, " && ".join(cmds))
        for vm, (hv, sw, mac, ip) in VMS.items():
            b.veth(vm, "eth0", hv, f"tap-{vm}")
            net = SWITCHES[sw][1]
            sh("ip", "-n", PREFIX + vm, "link", "set", "eth0", "address", mac)
            sh("ip", "-n", PREFIX + vm, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", PREFIX + vm, "route", "add", "default", "via", f"{net}.1")
            b.run(hv, f"ovs-vsctl --timeout=30 wait-until bridge br-int -- add-port br-int "
                      f"tap-{vm} -- set interface tap-{vm} external_ids:iface-id={vm}")
        while time.monotonic() - start < deadline:
            if b.ok("vm1", "ping -c1 -W1 10.10.0.14"):  # the image's ping
                return time.monotonic() - start
        raise TimeoutError(f"no reply from vm4 to vm1 within {deadline:.0f} s")
    finally:
        b.close()


if __name__ == "__main__":
    import sys

    if os.geteuid() != 0 or not shutil.which("nsenter"):
        raise SystemExit("needs root and nsenter")
    image = sys.argv[1] if len(sys.argv) > 1 else sh(
        "docker", "images", "--format", "{{.Repository}}:{{.Tag}}", "ovn-testbed-node").split()[0]
    print(f"bare floor with {image}: first routed ping {first_ping(rootfs(image)):.2f} s")
