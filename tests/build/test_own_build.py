"""An OVN developer's checkout on real daemons: a git checkout of OVN with its ovs submodule,
whose .gitignore files name tracked files, compiled from nothing, brought up as the seed with
`testbed up --ovn TREE` and walked; then a one-line change rebuilt (one file compiled), and an
upgrade's middle (central on Debian's packages, chassis on the tree).

Each run builds from an empty work folder (the first build is the figure the README gives) and
removes the images it made. -s prints the build's steps and times."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testbed.model import OvnBuild, load
from testbed.net import Testbed
from testbed.runtime import images, ovnbuild
from testbed.runtime.docker import connect

from .debian_source import checkout, git

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "l3-over-vlan.yaml"
TESTBED = Path(sys.executable).with_name("testbed")
NORTHD = "northd/ovn-northd.c"


def say(line: str) -> None:
    print(line, flush=True)


def version_of(tree: Path) -> str:
    """The version a source tree builds, from its configure.ac (AC_INIT(ovn, 26.03.1, ...))."""
    found = re.search(r"AC_INIT\(\[?\w+\]?,\s*\[?([\w.]+)", (tree / "configure.ac").read_text())
    assert found, f"no AC_INIT version in {tree}/configure.ac"
    return found.group(1)


def compiled(log: Path) -> list[str]:
    """The objects a make log compiled (gcc ... -c ... -o OBJECT)."""
    return sorted({m.group(1) for line in log.read_text().splitlines() if " -c " in line
                   for m in [re.search(r" -o (\S+\.l?o)\b", line)] if m})


@pytest.fixture(scope="module")
def client():
    return connect()


@pytest.fixture(scope="module")
def tree():
    """The checkout, made anew from the cached source tarballs (same sources, same commit)."""
    return checkout(ovnbuild.cache_dir() / "test-build" / "ovn")


@pytest.fixture(scope="module")
def made(client, tree):
    """Images this module made, removed at its end (the work folder stays for a look)."""
    tags: list[str] = []
    yield tags
    for tag in tags:
        try:
            client.images.remove(tag, force=True)
        except Exception as exc:  # noqa: BLE001 - a removal failure must not hide the result
            say(f"could not remove {tag}: {exc}")


def build(client, tree: Path, made: list[str]) -> tuple[str, float, list[str]]:
    """ensure_image on the tree, timed; returns the tag, the seconds and the progress lines."""
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        say(line)

    started = time.monotonic()
    tag = ovnbuild.ensure_image(client, OvnBuild(source=str(tree)), "trixie", progress)
    made.append(tag)
    return tag, time.monotonic() - started, lines


@pytest.fixture(scope="module")
def first(client, tree, made):
    """The first build: no image of this tree, an empty work folder."""
    tag = ovnbuild.image_tag(OvnBuild(source=str(tree)), "trixie")
    try:
        client.images.remove(tag, force=True)
    except Exception:  # noqa: BLE001 - not there
        pass
    shutil.rmtree(ovnbuild.work_dir(tree), ignore_errors=True)
    images.ensure_node_image(client, "trixie", say)  # not part of the build's figure
    return build(client, tree, made)


def test_the_checkout_has_tracked_files_its_gitignore_names(tree):
    assert git(tree, "ls-files", "-s", "ovs").startswith("160000 ")  # a submodule
    ignored = git(tree / "ovs", "ls-files", "-i", "-c", "--exclude-standard").split()
    assert "ovsdb/ovsdb-doc" in ignored and "Makefile.in" in ignored
    held = ovnbuild.source_files(tree)
    assert {"ovs/ovsdb/ovsdb-doc", "ovs/Makefile.in", NORTHD} <= set(held)


def test_the_checkout_builds_and_its_daemons_are_installed(first, tree):
    tag, seconds, lines = first
    say(f"first build of {tree}: {seconds:.0f} s")
    assert any(line.startswith("built in") for line in lines), "nothing was compiled"
    version = version_of(tree)
    built = [line for line in lines if line.startswith("  built: ")]
    assert any(re.search(rf"ovn-controller\S* .*{re.escape(version)}", b) for b in built), built


def up_cli(name: str, *args: str) -> None:
    done = subprocess.run([str(TESTBED), "up", str(SEED), "--name", name, *args],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def down_cli(name: str) -> None:
    subprocess.run([str(TESTBED), "down", name], capture_output=True, timeout=300)


def test_testbed_up_with_the_checkout_runs_its_daemons_and_walks_north_south(first, tree):
    tag, _, _ = first
    version, ovs_version = version_of(tree), version_of(tree / "ovs")
    name = "tbuild-seed"
    down_cli(name)
    try:
        up_cli(name, "--ovn", str(tree))
        tb = Testbed.attach(name, progress=say)
        for node in ("central", "gw1", "compute-a"):
            assert ovnbuild.versions(tb.nodes[node]) == f"OVN {version}, OVS {ovs_version}"
        assert tb.backend.client.containers.get(f"{name}-gw1").image.tags == [tag]
        walk = tb.walk("vm1", "ext")
        walk.request.assert_expected(tb.expect("vm1", "ext"))
        assert walk.reply is not None and walk.reply.path, "ext's reply was not seen"
        tb.close_db()
    finally:
        down_cli(name)


def test_a_one_line_change_compiles_one_file_and_leaves_ovs_alone(first, client, tree, made):
    source = tree / NORTHD
    original = source.read_text()
    try:
        source.write_text(original.replace("int\nmain(int argc, char *argv[])\n{",
                                           "int\nmain(int argc, char *argv[])\n{ /* one */", 1))
        assert source.read_text() != original, f"no main() found in {NORTHD}"
        tag, seconds, lines = build(client, tree, made)
        say(f"after a one-line change in {NORTHD}: {seconds:.1f} s")
        assert tag != first[0]
        work = ovnbuild.work_dir(tree)
        assert compiled(work / "ovs-make.log") == [], "OVS compiled again"
        assert compiled(work / "ovn-make.log") == ["northd/ovn-northd.o"]
        assert seconds < first[1] / 3, (seconds, first[1])
    finally:
        source.write_text(original)
    assert ovnbuild.image_tag(OvnBuild(source=str(tree)), "trixie") == first[0]  # same key


def test_an_upgrades_middle_central_on_packages_chassis_on_the_checkout(first, tree, tmp_path):
    text = SEED.read_text()
    text = text.replace("settings:", f"settings:\n  ovn: {{source: {json.dumps(str(tree))}}}", 1)
    text = re.sub(r"central:(\s*)\{role: central\}", r"central:\1{role: central, ovn: debian}",
                  text, count=1)
    assert "ovn: debian" in text
    (tmp_path / "upgrade.yaml").write_text(text)
    sc = load(tmp_path / "upgrade.yaml")
    with Testbed(sc, "tbuild-upgrade", progress=say) as tb:
        central, gw1 = (ovnbuild.versions(tb.nodes[n]) for n in ("central", "gw1"))
        assert central != gw1, (central, gw1)
        version = version_of(tree)
        assert gw1.startswith(f"OVN {version}") and not central.startswith(f"OVN {version}")
        for dst in ("vm4", "ext"):
            tb.walk("vm1", dst).request.assert_expected(tb.expect("vm1", dst))
