"""Node images with your own OVN (and OVS): built from a source tree, or copied from an install
tree, over the packaged node image; cached by what they were made from.

A source tree's key is its git commit plus a hash of its uncommitted changes and untracked
files (the `ovs/` submodule likewise), or, outside git, a hash of every file. Building runs
`build-ovn` in a builder container with the tree mounted read-only and a work folder kept per
tree under ~/.cache/ovn-testbed/work/, so a one-line change recompiles one file. The result is
`ovn-testbed-node:<suite>-<inputs>-ovn-<key>`: present means nothing is built again.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

from ..model.build import OvnBuild
from . import images
from .files import FILES

BUILDER_DIR = (FILES / "images" / "builder").resolve()
BUILDER_REPO = "ovn-testbed-builder"
KEY_LABEL = "ovn-testbed.ovn-key"
FROM_LABEL = "ovn-testbed.ovn-from"
FILE_LIST = "files.list"  # in the work folder: what build-ovn copies from the tree
Progress = Callable[[str], None]


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ovn-testbed"


# --- keys -------------------------------------------------------------------------------------

def _git(tree: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "safe.directory=*", "-C", str(tree), *args],
                          capture_output=True, timeout=120)


def tree_key(tree: Path) -> str:
    """What a tree holds, as a hash: commit + changes + untracked files in git, else content."""
    digest = hashlib.sha256()
    head = _git(tree, "rev-parse", "HEAD") if (tree / ".git").exists() else None
    if head is not None and head.returncode == 0:
        digest.update(b"git\0" + head.stdout.strip())
        digest.update(_git(tree, "diff", "HEAD", "--binary", "--ignore-submodules").stdout)
        untracked = _git(tree, "ls-files", "-z", "--others", "--exclude-standard").stdout
        for rel in sorted(p for p in untracked.split(b"\0") if p):
            digest.update(rel + b"\0" + _read(tree / rel.decode()))
        if (tree / "ovs" / ".git").exists():
            digest.update(b"ovs\0" + tree_key(tree / "ovs").encode())
        return digest.hexdigest()[:16]
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts):
        digest.update(str(path.relative_to(tree)).encode() + b"\0" + _read(path))
    return digest.hexdigest()[:16]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def source_files(tree: Path) -> list[str] | None:
    """The files a git checkout holds, relative to it: tracked files plus untracked files git
    does not ignore (`git ls-files -co --exclude-standard`), in the checkout and in each
    submodule or nested checkout (ovs/). A tracked file that a .gitignore also names is held
    (OVS tracks ovsdb/ovsdb-doc and ignores it). A folder git sees as one entry but that is not
    a checkout (a submodule someone unpacked by hand) is held whole. None outside git: the
    whole tree is held. Files deleted from the work tree are not listed."""
    if not (tree / ".git").exists():
        return None
    listed = _git(tree, "ls-files", "-z", "-co", "--exclude-standard")
    if listed.returncode != 0:
        raise images.ImageError(f"git ls-files in {tree} failed: "
                                f"{listed.stderr.decode(errors='replace').strip()}")
    files: list[str] = []
    for entry in sorted({p.decode().rstrip("/") for p in listed.stdout.split(b"\0") if p}):
        path = tree / entry
        if path.is_dir() and not path.is_symlink():
            inner = source_files(path)
            if inner is None:
                inner = [str(p.relative_to(path)) for p in sorted(path.rglob("*"))
                         if (p.is_file() or p.is_symlink()) and ".git" not in p.parts]
            files += [f"{entry}/{rel}" for rel in inner]
        elif path.exists() or path.is_symlink():
            files.append(entry)
    return files


def build_key(build: OvnBuild, suite: str) -> str:
    """The image's key: the tree, how it is built (builder inputs, make) and the base image."""
    digest = hashlib.sha256(f"{suite}\0{images.inputs_hash(suite)}\0".encode())
    if build.source:
        digest.update(b"source\0" + _inputs(BUILDER_DIR).encode())
    else:
        digest.update(b"prefix\0")
    digest.update(tree_key(build.path).encode())
    return digest.hexdigest()[:12]


def _inputs(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def image_tag(build: OvnBuild, suite: str) -> str:
    """The tag ensure_image gives this build (nothing built)."""
    return f"{images.node_image_tag(suite)}-ovn-{build_key(build, suite)}"


# --- images -----------------------------------------------------------------------------------

def node_images(client: docker.DockerClient, sc, progress: Progress = print) -> dict[str, str]:
    """Each node's image: the packaged node image, or the one with its build (central and
    chassis only; the ToR, hosts and VMs keep the packages). Each build is made once."""
    base = images.ensure_node_image(client, sc.settings.suite, progress)
    made: dict[OvnBuild, str] = {}
    out = {}
    for name in (*sc.nodes, *sc.vms):
        build = sc.ovn_for(name) if name in sc.nodes and (
            name == sc.central or name in sc.chassis) else None
        if build is not None and build not in made:
            made[build] = ensure_image(client, build, sc.settings.suite, progress)
        out[name] = made[build] if build is not None else base
    return out


def ensure_image(client: docker.DockerClient, build: OvnBuild, suite: str,
                 progress: Progress = print) -> str:
    """The node image with this build's OVS and OVN, made if missing; returns its tag."""
    key = build_key(build, suite)  # hashes the tree: once
    tag = f"{images.node_image_tag(suite)}-ovn-{key}"
    try:
        client.images.get(tag)
        progress(f"{tag}: cached (made from {build.path})")
        return tag
    except docker.errors.ImageNotFound:
        pass
    base = images.ensure_node_image(client, suite, progress)
    started = time.monotonic()
    if build.source:
        out = compile_tree(client, build, suite, progress)
    else:
        out = build.path
    progress(f"making {tag} from {base} and {out}")
    container = client.containers.create(base)
    try:
        container.put_archive("/", _tar(out))
        container.commit(repository=tag.split(":")[0], tag=tag.split(":")[1], changes=[
            f"LABEL {KEY_LABEL}={key}", f"LABEL {FROM_LABEL}={build.path}"])
    finally:
        container.remove(force=True)
    progress(f"{tag} made in {time.monotonic() - started:.0f} s")
    return tag


def _tar(folder: Path) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for entry in sorted(folder.iterdir()):
            tar.add(entry, arcname=entry.name)
    return data.getvalue()


def ensure_builder(client: docker.DockerClient, suite: str, progress: Progress = print) -> str:
    tag = f"{BUILDER_REPO}:{suite}-{_inputs(BUILDER_DIR)}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    base = images.ensure_base_image(client, suite, progress)
    progress(f"building {tag} (Debian {suite}'s compilers and OVS/OVN build dependencies)")
    for chunk in client.api.build(path=str(BUILDER_DIR), tag=tag, buildargs={"BASE": base},
                                  rm=True, forcerm=True, decode=True):
        if "error" in chunk:
            raise images.ImageError(f"building {tag} failed: {chunk['error'].strip()}")
    return tag


def _write_file_list(tree: Path, to: Path) -> None:
    """What build-ovn copies from the tree: the list of a git checkout's files (NUL-separated),
    or no list for a tree outside git (all of it is copied)."""
    files = source_files(tree)
    if files is None:
        to.unlink(missing_ok=True)
    else:
        to.write_bytes(b"".join(f.encode() + b"\0" for f in files))


def work_dir(tree: Path) -> Path:
    """The builder's work folder for one tree (kept: incremental rebuilds)."""
    return cache_dir() / "work" / hashlib.sha256(str(tree).encode()).hexdigest()[:12]


def compile_tree(client: docker.DockerClient, build: OvnBuild, suite: str,
                 progress: Progress = print) -> Path:
    """Run build-ovn on the tree; returns the folder `make install` wrote (work/out)."""
    builder = ensure_builder(client, suite, progress)
    work = work_dir(build.path)
    work.mkdir(parents=True, exist_ok=True)
    jobs = build.jobs or os.cpu_count() or 2
    _write_file_list(build.path, work / FILE_LIST)
    progress(f"building OVN and OVS from {build.path} (make -j{jobs}; work folder {work})")
    container = client.containers.run(
        builder, detach=True,
        environment={"JOBS": str(jobs), "OWNER": f"{os.getuid()}:{os.getgid()}"},
        volumes={str(build.path): {"bind": "/src", "mode": "ro"},
                 str(work): {"bind": "/work", "mode": "rw"}})
    started, tail, step = time.monotonic(), [], ""
    try:
        for raw in container.logs(stream=True, follow=True):
            for line in raw.decode(errors="replace").splitlines():
                tail = (tail + [line])[-40:]
                if line.startswith(">>> "):
                    step = line[4:]
                    progress(f"  [{time.monotonic() - started:5.0f} s] {step}")
                elif step == "versions":
                    progress(f"  built: {line}")
        rc = container.wait()["StatusCode"]
    finally:
        container.remove(force=True)
    if rc != 0:
        raise images.ImageError(f"building {build.path} failed (exit {rc}):\n" + "\n".join(tail))
    progress(f"built in {time.monotonic() - started:.0f} s")
    return work / "out"


def prune(client: docker.DockerClient | None = None, progress: Progress = print) -> list[str]:
    """Remove the testbed's images that nothing needs any more: node and builder images of
    other inputs than today's, and own-build images older than the newest of their tree.
    Images a container uses are kept. Returns the tags removed."""
    client = client or images.engine()
    keep = {images.node_image_tag(s) for s in ("trixie", "bookworm")}
    keep |= {f"{BUILDER_REPO}:{s}-{_inputs(BUILDER_DIR)}" for s in ("trixie", "bookworm")}
    newest: dict[str, tuple[str, str]] = {}  # tree -> (created, tag)
    tagged = [(t, img) for img in client.images.list() for t in img.tags
              if t.startswith((f"{images.REPO}:", f"{BUILDER_REPO}:"))]
    for tag, img in tagged:
        tree = (img.labels or {}).get(FROM_LABEL)
        if tree and tag.startswith(tuple(k + "-ovn-" for k in keep)):
            created = img.attrs.get("Created", "")
            if tree not in newest or created > newest[tree][0]:
                newest[tree] = (created, tag)
    keep |= {tag for _, tag in newest.values()}
    removed = []
    for tag, _ in tagged:
        if tag in keep or client.containers.list(all=True, filters={"ancestor": tag}):
            continue
        client.images.remove(tag)
        progress(f"removed {tag}")
        removed.append(tag)
    return removed


def versions(node) -> str:
    """One node's versions, short: `OVN 25.03.0, OVS 3.5.0` (the first line each daemon's
    --version prints; a daemon the node lacks is left out)."""
    found: dict[str, str] = {}
    for daemon, label in (("ovn-controller", "OVN"), ("ovn-northd", "OVN"),
                          ("ovs-vswitchd", "OVS")):
        if label in found:
            continue
        result = node.run([daemon, "--version"], check=False)
        if result.rc == 0 and result.stdout.strip():
            found[label] = result.stdout.splitlines()[0].split()[-1]
    return ", ".join(f"{label} {v}" for label, v in found.items())
