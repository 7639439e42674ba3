"""The node image: Debian + OVS + OVN, rebuilt only when its inputs change.

Works without a container registry: when `debian:<suite>` cannot be pulled, the base image is
bootstrapped from Debian packages with debootstrap (mirror read from the host's apt sources).
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import docker.errors

from ..errors import TestbedError
from .files import FILES

IMAGE_DIR = (FILES / "images" / "node").resolve()
NEUTRON_DIR = (FILES / "images" / "neutron").resolve()
REPO = "ovn-testbed-node"
NEUTRON_REPO = "ovn-testbed-neutron"
BASE_REPO = "ovn-testbed-base"
INPUTS_LABEL = "ovn-testbed.inputs"
FALLBACK_MIRROR = "http://deb.debian.org/debian"

Progress = Callable[[str], None]


class ImageError(TestbedError, RuntimeError):
    pass


def inputs_hash(suite: str, folder: Path = IMAGE_DIR) -> str:
    """Content hash of everything an image is built from (the node image's folder by default)."""
    digest = hashlib.sha256(suite.encode())
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def node_image_tag(suite: str) -> str:
    return f"{REPO}:{suite}-{inputs_hash(suite)}"


def ensure_node_image(client: docker.DockerClient, suite: str, progress: Progress = print) -> str:
    """Return the tag of a node image for `suite`, building it (and its base) if missing."""
    tag = node_image_tag(suite)
    if _present(client, tag):
        return tag
    with _building(tag):  # two processes (xdist workers, testbeds side by side): one builds
        if _present(client, tag):
            return tag
        return _build_node_image(client, suite, tag, progress)


def _present(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


@contextmanager
def _building(tag: str) -> Iterator[None]:
    """A lock across processes on this machine for building `tag` (released if one dies)."""
    path = Path(tempfile.gettempdir()) / f"ovn-testbed-build-{re.sub(r'[^A-Za-z0-9.-]', '_', tag)}.lock"
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_neutron_image(client: docker.DockerClient, suite: str,
                         progress: Progress = print) -> str:
    """The neutron node's image (Debian's neutron-server with ML2/OVN and MariaDB, built on the
    node image, the schema migrated), built if missing; its tag."""
    node = ensure_node_image(client, suite, progress)
    inputs = hashlib.sha256((node + inputs_hash(suite, NEUTRON_DIR)).encode()).hexdigest()[:12]
    tag = f"{NEUTRON_REPO}:{suite}-{inputs}"
    if _present(client, tag):
        return tag
    with _building(tag):
        if _present(client, tag):
            return tag
        progress(f"building {tag} from {node} (neutron-server, ML2/OVN, MariaDB from Debian "
                 f"{suite}; about 2 minutes, once)")
        return _build(client, NEUTRON_DIR, tag, node, inputs, progress)


def _build_node_image(client: docker.DockerClient, suite: str, tag: str, progress: Progress) -> str:
    base = ensure_base_image(client, suite, progress)
    progress(f"building {tag} from {base} (OVS + OVN from Debian {suite})")
    return _build(client, IMAGE_DIR, tag, base, inputs_hash(suite), progress)


def _build(client: docker.DockerClient, folder: Path, tag: str, base: str, inputs: str,
           progress: Progress) -> str:
    stream = client.api.build(
        path=str(folder), tag=tag, buildargs={"BASE": base}, rm=True, forcerm=True,
        labels={INPUTS_LABEL: inputs}, decode=True,
    )
    for chunk in stream:
        if "error" in chunk:
            raise ImageError(f"building {tag} failed: {chunk['error'].strip()}")
        line = chunk.get("stream", "").strip()
        if line.startswith("Step "):
            progress(f"  {line}")
    return tag


def ensure_base_image(client: docker.DockerClient, suite: str, progress: Progress = print) -> str:
    """`debian:<suite>` if present or pullable, otherwise a debootstrapped `ovn-testbed-base`."""
    for name in (f"debian:{suite}", f"{BASE_REPO}:{suite}"):
        try:
            client.images.get(name)
            return name
        except docker.errors.ImageNotFound:
            pass
    try:
        progress(f"pulling debian:{suite}")
        client.images.pull("debian", tag=suite)
        return f"debian:{suite}"
    except docker.errors.APIError as exc:
        progress(f"no registry ({str(exc.explanation or exc)[:80]}); bootstrapping from Debian packages")
    return bootstrap_base_image(client, suite, progress)


def bootstrap_base_image(client: docker.DockerClient, suite: str, progress: Progress = print) -> str:
    if shutil.which("debootstrap") is None:
        raise ImageError(
            "no base image and no registry: install debootstrap (apt-get install debootstrap) "
            f"or load a debian:{suite} image")
    mirror = apt_mirror()
    name = f"{BASE_REPO}:{suite}"
    with tempfile.TemporaryDirectory(prefix="ovn-testbed-rootfs-") as rootfs:
        progress(f"debootstrap --variant=minbase {suite} from {mirror}")
        proc = subprocess.Popen(
            ["debootstrap", "--variant=minbase", suite, rootfs, mirror],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        tail: list[str] = []
        for line in proc.stdout:  # type: ignore[union-attr]
            tail = (tail + [line.rstrip()])[-20:]
            if line.startswith("I: ") and not line.startswith(
                    ("I: Retrieving", "I: Validating", "I: Extracting", "I: Unpacking", "I: Configuring")):
                progress(f"  {line.strip()}")
        if proc.wait() != 0:
            raise ImageError("debootstrap failed:\n" + "\n".join(tail))
        progress(f"importing {name}")
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        client.api.import_image_from_stream(tar.stdout, repository=BASE_REPO, tag=suite,
                                            changes=['CMD ["/bin/bash"]'])
        if tar.wait() != 0:
            raise ImageError("packing the bootstrapped root file system failed")
    return name


def apt_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses (one-line or deb822 sources), or the default."""
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        for uri in re.findall(r"^\s*(?:deb\s+(?:\[[^\]]*\]\s+)?|URIs:\s*)(\S+)", text, re.M):
            if re.search(r"/debian/?$", uri) and "security" not in uri:
                return uri.rstrip("/")
    return FALLBACK_MIRROR


def engine() -> docker.DockerClient:
    from .engine import connect

    return connect()


def ensure(suite: str, progress: Progress = print) -> str:
    """The node image of a suite, built if missing (the engine connected here); its tag."""
    return ensure_node_image(engine(), suite, progress)


def save(tag: str, path: Path) -> int:
    """Write an image to a file (`docker save`); returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for chunk in engine().images.get(tag).save(named=True):
            out.write(chunk)
    return path.stat().st_size


def load(path: Path) -> list[str]:
    """Load images written by `save`; returns their tags."""
    with open(path, "rb") as tar:
        return [t for image in engine().images.load(tar) for t in image.tags]
