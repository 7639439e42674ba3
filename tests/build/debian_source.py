"""A git checkout of OVN with its ovs submodule, made from what our machines can reach: Debian's
source packages of OVN and Open vSwitch on this machine's apt mirror (GitHub is out of reach).

The checkout has what OVN developers' checkouts have and a tarball lacks: a commit, a submodule,
and tracked files that a .gitignore also names (OVS tracks ovsdb/ovsdb-doc while its
ovsdb/.gitignore lists it). OVN's release tarball carries its upstream .gitignore files; OVS's
(made by `make dist`) carries none, so the lines of OVS's top-level and ovsdb/ .gitignore files
that name files its tarball holds are written back (OVS_IGNORES). Commits have fixed dates and
authors: the same sources make the same commit, hence the same build key.

    python tests/build/debian_source.py DEST    # prints the checkout's path
"""

from __future__ import annotations

import hashlib
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from testbed.runtime import images, ovnbuild

# the suites searched for the newest OVN and OVS sources (their pool files must be on the
# mirror: ours serves sid's; experimental's OVN 26.09 is listed but its files are not served)
SUITES = tuple(os.environ.get("OVN_TESTBED_SOURCE_SUITES", "sid").split())
OVS_IGNORES = {
    ".gitignore": "*.o\n*.lo\n*.la\n.deps\n.libs\n/Makefile\n/Makefile.in\n/aclocal.m4\n"
                  "/build-aux\n/config.h.in\n/configure\n",  # the top .gitignore's lines
    "ovsdb/.gitignore": "/ovsdb-client\n/ovsdb-client.1\n/ovsdb-doc\n/ovsdb-dot\n/ovsdb-idlc\n"
                        "/ovsdb-server\n/ovsdb-server.1\n/ovsdb-tool\n/ovsdb-tool.1\n",
}
FIXED = {"GIT_AUTHOR_NAME": "ovn-testbed", "GIT_AUTHOR_EMAIL": "ovn-testbed@localhost",
         "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_NAME": "ovn-testbed",
         "GIT_COMMITTER_EMAIL": "ovn-testbed@localhost",
         "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    directory: str
    files: dict[str, str]  # file name -> sha256

    @property
    def upstream(self) -> str:
        return self.version.split(":")[-1].rsplit("-", 1)[0]

    @property
    def orig(self) -> str:
        return next(f for f in self.files if re.fullmatch(
            rf"{re.escape(self.name)}_{re.escape(self.upstream)}\.orig\.tar\.\w+", f))


def packages(mirror: str, suites: tuple[str, ...], wanted: tuple[str, ...]
             ) -> dict[str, Package]:
    """The newest of the source packages `wanted` that the suites' Sources indexes list."""
    found: dict[str, Package] = {}
    for suite in suites:
        url = f"{mirror}/dists/{suite}/main/source/Sources.xz"
        with urllib.request.urlopen(url, timeout=120) as answer:
            _newest(lzma.decompress(answer.read()).decode(errors="replace"), wanted, found)
    missing = [w for w in wanted if w not in found]
    if missing:
        raise RuntimeError(f"{mirror}: no source package {', '.join(missing)} in "
                           f"{', '.join(suites)}")
    return found


def _newest(text: str, wanted: tuple[str, ...], found: dict[str, Package]) -> None:
    for stanza in text.split("\n\n"):
        name = re.search(r"^Package: (\S+)$", stanza, re.M)
        if not name or name.group(1) not in wanted:
            continue
        sums = re.search(r"^Checksums-Sha256:\n((?: .*\n?)+)", stanza, re.M)
        files = {f: s for s, _, f in (line.split() for line in sums.group(1).splitlines())}
        pkg = Package(name.group(1), re.search(r"^Version: (\S+)$", stanza, re.M).group(1),
                      re.search(r"^Directory: (\S+)$", stanza, re.M).group(1), files)
        if pkg.name not in found or _newer(pkg.version, found[pkg.name].version):
            found[pkg.name] = pkg


def _newer(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0 \
        if shutil.which("dpkg") else a > b


def download(mirror: str, pkg: Package, into: Path) -> Path:
    """The package's upstream tarball, checked against the index's SHA-256 (kept in `into`)."""
    name = pkg.orig
    path = into / name
    if not path.exists() or _sha256(path) != pkg.files[name]:
        into.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(f"{mirror}/{pkg.directory}/{name}", timeout=300) as answer:
            path.with_suffix(".part").write_bytes(answer.read())
        path.with_suffix(".part").rename(path)
    if _sha256(path) != pkg.files[name]:
        raise RuntimeError(f"{path}: SHA-256 differs from the Sources index")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpack(tarball: Path, dest: Path) -> None:
    """The tarball's single top folder's content into dest."""
    with tarfile.open(tarball) as tar:
        tar.extractall(dest.parent / (dest.name + ".unpack"), filter="data")
    (top,) = (dest.parent / (dest.name + ".unpack")).iterdir()
    top.rename(dest)
    (dest.parent / (dest.name + ".unpack")).rmdir()


def like_a_checkout(tree: Path) -> None:
    """A Debian tarball as the upstream git checkout would be: no `configure` (make dist's
    product in OVS's tarball: the build runs boot.sh, as on a fresh clone), and an empty
    debian/automake.mk, which Makefile.am includes (OVS and OVN alike) and Debian's repack
    dropped with upstream's debian/ folder."""
    (tree / "configure").unlink(missing_ok=True)
    include = tree / "debian" / "automake.mk"
    if not include.exists() and "include debian/automake.mk" in (tree / "Makefile.am").read_text():
        include.parent.mkdir(exist_ok=True)
        include.write_text("")


def build_against_ovs(ovn: Path, ovs: Path) -> list[str]:
    """Adapt OVN's sources to the OVS they are paired with, where that OVS changed an API the
    OVN release still uses (sid pairs OVN 26.03 with OVS 4.0, which dropped the Windows-only
    service_*() calls and changed compose_nd_ns() and route_table_dump_one_table()). Each
    adaptation runs only when the OVS tree shows the new API and OVN's sources the old use, so
    a pair that already matches is left alone. Returns what was adapted."""
    daemon_h = (ovs / "lib" / "daemon.h").read_text()
    packets_h = (ovs / "lib" / "packets.h").read_text()
    routes_h = (ovs / "lib" / "route-table.h").read_text()
    rules = []
    if "service_start" not in daemon_h:
        rules += [(r"\n[ \t]*service_start\(&argc, &argv\);", ""),
                  (r"\bshould_service_stop\(\)", "false"),
                  (r"\n[ \t]*service_stop\(\);", "")]
    if re.search(r"compose_nd_ns\(struct dp_packet \*, bool multicast", packets_h):
        rules.append((r"compose_nd_ns\((&\w+),\s*([^,]+?),",
                      r"compose_nd_ns(\1, true, \2, eth_addr_zero,"))
    if re.search(r"route_table_dump_one_table\(uint32_t id, sa_family_t family", routes_h):
        rules.append((r"route_table_dump_one_table\((\w+), (?!AF_)",
                      r"route_table_dump_one_table(\1, AF_UNSPEC, "))
    changed = []
    for path in sorted(ovn.rglob("*.c")):
        if "ovs" in path.relative_to(ovn).parts[:1]:
            continue
        text = new = path.read_text()
        for pattern, repl in rules:
            new = re.sub(pattern, repl, new)
        if new != text:
            path.write_text(new)
            changed.append(str(path.relative_to(ovn)))
    return changed


def git(tree: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(tree), "-c", "advice.addEmbeddedRepo=false",
                           "-c", "safe.directory=*", *args],
                          capture_output=True, text=True, env={**os.environ, **FIXED})
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {tree}: {done.stderr.strip()}")
    return done.stdout


def checkout(dest: Path, suites: tuple[str, ...] = SUITES) -> Path:
    """Make dest a git checkout of the newest OVN with its ovs submodule (made anew)."""
    mirror = images.apt_mirror()
    found = packages(mirror, suites, ("ovn", "openvswitch"))
    cache = ovnbuild.cache_dir() / "sources"
    ovn_tar = download(mirror, found["ovn"], cache)
    ovs_tar = download(mirror, found["openvswitch"], cache)
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    unpack(ovn_tar, dest)
    ovs = dest / "ovs"
    if ovs.exists():
        ovs.rmdir()  # the tarball's empty submodule folder
    unpack(ovs_tar, ovs)
    for rel, text in OVS_IGNORES.items():
        (ovs / rel).write_text(text)
    for tree in (dest, ovs):
        like_a_checkout(tree)
    for tree in (ovs, dest):
        git(tree, "init", "-q", "-b", "main")
    git(ovs, "add", "-A", "-f")  # what the tarball holds is what upstream tracks
    git(ovs, "commit", "-q", "-m", f"openvswitch {found['openvswitch'].upstream}")
    (dest / ".gitmodules").write_text(
        '[submodule "ovs"]\n\tpath = ovs\n\turl = https://github.com/openvswitch/ovs.git\n')
    git(dest, "add", "-A", "-f")  # ovs/ goes in as the submodule's commit
    git(dest, "commit", "-q", "-m", f"ovn {found['ovn'].upstream}")
    adapted = build_against_ovs(dest, ovs)
    if adapted:  # a developer's commit on top, as in a real checkout
        git(dest, "commit", "-q", "-a", "-m",
            f"build against OVS {found['openvswitch'].upstream}: {', '.join(adapted)}")
    return dest


if __name__ == "__main__":
    print(checkout(Path(sys.argv[1]).resolve()))
