"""Own OVN builds without building anything: the scenario fields, the cache key of a tree (what
changes it and what does not), and which node gets which image."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from testbed.model import OvnBuild, load, with_ovn
from testbed.runtime import ovnbuild
from testbed.runtime.compose import render

from .mistakes import errors

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "l3-over-vlan.yaml"


def ovn_tree(root: Path) -> Path:
    """The least a folder needs to pass for an OVN tree with its OVS."""
    (root / "ovs").mkdir(parents=True)
    (root / "configure.ac").write_text("AC_INIT(ovn, 26.03.1, bugs@openvswitch.org)\n")
    (root / "ovs" / "configure.ac").write_text("AC_INIT(openvswitch, 4.0.0)\n")
    (root / "northd.c").write_text("int main(void) { return 0; }\n")
    return root


def git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(tree), "-c", "user.email=t@t", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


def test_a_git_tree_key_follows_commits_changes_and_untracked_files_only(tmp_path):
    tree = ovn_tree(tmp_path / "ovn")
    (tree / ".gitignore").write_text("*.o\n")
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "one")
    clean = ovnbuild.tree_key(tree)
    assert ovnbuild.tree_key(tree) == clean  # stable
    (tree / "northd.o").write_bytes(b"\x7fELF")  # a build output, ignored by git
    assert ovnbuild.tree_key(tree) == clean
    (tree / "northd.c").write_text("int main(void) { return 1; }\n")  # uncommitted change
    changed = ovnbuild.tree_key(tree)
    assert changed != clean
    (tree / "new.c").write_text("")  # untracked
    untracked = ovnbuild.tree_key(tree)
    assert untracked not in (clean, changed)
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "two")
    assert ovnbuild.tree_key(tree) not in (clean, changed, untracked)  # another commit


def test_a_tree_outside_git_is_keyed_by_its_content(tmp_path):
    one, two = ovn_tree(tmp_path / "a"), ovn_tree(tmp_path / "b")
    assert ovnbuild.tree_key(one) == ovnbuild.tree_key(two)  # same files, same key
    (two / "ovs" / "lib.c").write_text("x")
    assert ovnbuild.tree_key(one) != ovnbuild.tree_key(two)


def test_the_image_key_also_follows_the_suite_and_the_kind(tmp_path):
    tree = ovn_tree(tmp_path / "ovn")
    source = OvnBuild(source=str(tree))
    assert ovnbuild.build_key(source, "trixie") != ovnbuild.build_key(source, "bookworm")
    assert ovnbuild.build_key(source, "trixie") != ovnbuild.build_key(
        OvnBuild(prefix=str(tree)), "trixie")
    tag = ovnbuild.image_tag(source, "trixie")
    assert tag.startswith("ovn-testbed-node:trixie-") and "-ovn-" in tag


def test_scenario_paths_are_relative_to_the_file_and_checked(tmp_path):
    ovn_tree(tmp_path / "src" / "ovn")
    text = SEED.read_text().replace("settings:", "settings:\n  ovn: {source: src/ovn}", 1)
    assert "ovn: {source" in text
    (tmp_path / "mine.yaml").write_text(text)
    sc = load(tmp_path / "mine.yaml")
    assert sc.settings.ovn.source == str(tmp_path / "src" / "ovn")
    assert sc.ovn_for("gw1") == sc.settings.ovn and sc.ovn_for("central") == sc.settings.ovn


def test_a_wrong_tree_is_one_problem_with_its_line(tmp_path):
    text = SEED.read_text().replace("settings:", f"settings:\n  ovn: {{source: {tmp_path}}}", 1)
    found = errors(text)
    assert len(found) == 1 and "settings.ovn.source" in found[0], found
    assert "is not an OVN source tree" in found[0] and "Fix:" in found[0]
    assert found[0].startswith("bad.yaml:") and found[0].split(":")[1].isdigit()
    both = SEED.read_text().replace("settings:", "settings:\n  ovn: {source: a, prefix: b}", 1)
    assert any("exactly one of source" in e for e in errors(both))


def test_central_on_the_packages_and_chassis_on_a_build(tmp_path):
    ovn_tree(tmp_path / "ovn")
    text = SEED.read_text().replace("settings:", "settings:\n  ovn: {source: ovn}", 1)
    text = text.replace("central:   {role: central}", "central:   {role: central, ovn: debian}")
    assert "ovn: debian" in text
    (tmp_path / "mine.yaml").write_text(text)
    sc = load(tmp_path / "mine.yaml")
    assert sc.ovn_for("central") is None and sc.ovn_for("gw1") is not None


def test_each_node_gets_its_image_and_a_build_is_made_once(tmp_path, patch_here):
    ovn_tree(tmp_path / "ovn")
    sc = with_ovn(load(SEED), str(tmp_path / "ovn"))
    made = []
    patch_here(ovnbuild.images, "ensure_node_image", lambda c, s, p: "node:base")
    patch_here(ovnbuild, "ensure_image", lambda c, b, s, p: made.append(b) or "node:mine")
    tags = ovnbuild.node_images(None, sc, lambda _: None)
    assert len(made) == 1
    assert {n for n, t in tags.items() if t == "node:mine"} == {
        "central", "gw1", "gw2", "compute-a", "compute-b"}
    assert tags["tor"] == tags["ext"] == tags["vm1"] == "node:base"
    doc = render(sc, "tb1", tags, "netdev", "ovs")
    assert doc["services"]["gw1"]["image"] == "node:mine"
    assert doc["services"]["vm1"]["image"] == "node:base"


def test_the_command_line_ovn_path_is_checked_like_the_file(tmp_path):
    from testbed.model import ScenarioError

    with pytest.raises(ScenarioError, match="holds no usr/bin/ovn-controller"):
        with_ovn(load(SEED), str(tmp_path))
    prefix = tmp_path / "install"
    for d in ("ovn-controller", "ovn-northd"):
        (prefix / "usr" / "bin").mkdir(parents=True, exist_ok=True)
        (prefix / "usr" / "bin" / d).write_text("")
    assert with_ovn(load(SEED), str(prefix)).settings.ovn.prefix == str(prefix)


class FakeImage:
    def __init__(self, tag: str, created: str = "", tree: str | None = None):
        self.tags = [tag]
        self.labels = {ovnbuild.FROM_LABEL: tree} if tree else {}
        self.attrs = {"Created": created}


class FakeClient:
    """Images and containers as the Engine API lists them (for prune)."""

    def __init__(self, images: list[FakeImage], used: set[str]):
        self.removed: list[str] = []
        self.images = type("Images", (), {"list": lambda _: images,
                                          "remove": lambda _, tag: self.removed.append(tag)})()
        self.containers = type("Containers", (), {
            "list": lambda _, all, filters: ["c"] if filters["ancestor"] in used else []})()


def test_prune_keeps_todays_images_the_newest_build_of_each_tree_and_what_runs():
    node = ovnbuild.images.node_image_tag("trixie")
    old_node = "ovn-testbed-node:trixie-000000000000"
    images = [FakeImage(node), FakeImage(old_node), FakeImage("ovn-testbed-node:bookworm-1"),
              FakeImage(f"{node}-ovn-aaa", "2026-11-28T05:00:00Z", "/src/ovn"),
              FakeImage(f"{node}-ovn-bbb", "2026-11-28T06:00:00Z", "/src/ovn"),
              FakeImage(f"{node}-ovn-ccc", "2026-11-28T04:00:00Z", "/src/other"),
              FakeImage("ovn-testbed-builder:trixie-0"), FakeImage("debian:trixie")]
    client = FakeClient(images, used={"ovn-testbed-node:bookworm-1"})
    removed = ovnbuild.prune(client, lambda _: None)
    assert sorted(removed) == sorted([old_node, f"{node}-ovn-aaa",
                                      "ovn-testbed-builder:trixie-0"])
    assert client.removed == removed


def test_a_checkout_holds_its_tracked_files_even_those_a_gitignore_names(tmp_path):
    """What a git checkout of OVN with its ovs submodule holds, as build-ovn copies it: tracked
    files (also those a .gitignore names, as OVS's ovsdb/ovsdb-doc and OVN's debian/control),
    untracked files git does not ignore, nothing ignored, nothing deleted, the submodule's own
    files; an uninitialised-but-filled submodule folder whole."""
    origin = tmp_path / "ovs-origin"
    (origin / "ovsdb").mkdir(parents=True)
    (origin / "configure.ac").write_text("AC_INIT(openvswitch, 3.7.90)\n")
    (origin / "ovsdb" / "ovsdb-doc").write_text("#! /usr/bin/env python3\n")
    (origin / "ovsdb" / ".gitignore").write_text("/ovsdb-doc\n/ovsdb-server\n")
    git(origin, "init", "-q")
    git(origin, "add", "-A", "-f")
    git(origin, "commit", "-qm", "ovs")
    tree = tmp_path / "ovn"
    tree.mkdir()
    (tree / "configure.ac").write_text("AC_INIT(ovn, 26.03.90)\n")
    (tree / "debian").mkdir()
    (tree / "debian" / "control").write_text("Source: ovn\n")
    (tree / ".gitignore").write_text("*.o\n/debian/control\n")
    (tree / "gone.c").write_text("")
    (tree / "link.h").symlink_to("configure.ac")
    git(tree, "init", "-q")
    git(tree, "add", "-A", "-f")
    git(tree, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(origin), "ovs")
    git(tree, "commit", "-qm", "ovn")
    (tree / "gone.c").unlink()                       # deleted, not committed
    (tree / "northd.o").write_text("")               # ignored build output
    (tree / "new.c").write_text("")                  # untracked, not ignored
    (tree / "ovs" / "ovsdb" / "ovsdb-server").write_text("")  # ignored in the submodule
    (tree / "ovs" / "lib.c").write_text("")          # untracked in the submodule
    ignored = subprocess.run(["git", "-C", str(tree / "ovs"), "ls-files", "-i", "-c",
                              "--exclude-standard"], capture_output=True, text=True).stdout
    assert ignored.split() == ["ovsdb/ovsdb-doc"]  # the pattern this test is about
    assert ovnbuild.source_files(tree) == [
        ".gitignore", ".gitmodules", "configure.ac", "debian/control", "link.h", "new.c",
        "ovs/configure.ac", "ovs/lib.c", "ovs/ovsdb/.gitignore", "ovs/ovsdb/ovsdb-doc"]
    # a submodule folder that is not a checkout (OVS unpacked into it by hand): all of it
    plain = tmp_path / "plain"
    git(tmp_path, "clone", "-q", str(tree), str(plain))
    assert not any((plain / "ovs").iterdir())  # submodule not initialised
    (plain / "ovs" / "ovsdb").mkdir()
    (plain / "ovs" / "ovsdb" / "ovsdb-doc").write_text("")
    assert "ovs/ovsdb/ovsdb-doc" in ovnbuild.source_files(plain)
    assert ovnbuild.source_files(ovn_tree(tmp_path / "outside")) is None  # outside git: whole


def test_a_build_hands_build_ovn_the_list_of_the_checkouts_files(tmp_path):
    tree = ovn_tree(tmp_path / "ovn")
    listing = tmp_path / "files.list"
    ovnbuild._write_file_list(tree, listing)
    assert not listing.exists()  # outside git: no list, the whole tree is copied
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "one")
    ovnbuild._write_file_list(tree, listing)
    assert listing.read_bytes().split(b"\0")[:-1] == [
        b"configure.ac", b"northd.c", b"ovs/configure.ac"]
    script = (ovnbuild.BUILDER_DIR / "build-ovn").read_text()
    assert f"--files-from=/work/{ovnbuild.FILE_LIST}" in script and "--from0" in script
    assert ".gitignore" not in script.split("set -eu", 1)[1]  # no filter drops tracked files
