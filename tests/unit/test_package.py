"""What `pip install ovn-testbed` gets: the wheel carries the node image's files (executable
where they must be), the Compose settings, the bundled scenarios, and the plugin's entry point."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_what_a_testbed_needs_outside_this_repository(tmp_path):
    # the dev extra's setuptools builds it here (an isolated build env costs 6 s more)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = zipfile.ZipFile(next(tmp_path.glob("ovn_testbed-*.whl")))
    names = set(wheel.namelist())
    for needed in ("testbed/runtime/files/images/node/Dockerfile",
                   "testbed/runtime/files/images/builder/build-ovn",
                   "testbed/runtime/files/compose/node.yaml",
                   "testbed/scenarios/l3-over-vlan.yaml", "testbed/py.typed",
                   "testbed/pytest_plugin/__init__.py"):
        assert needed in names, needed
    for script in ("node-init", "udhcpc-script"):
        mode = wheel.getinfo(f"testbed/runtime/files/images/node/{script}").external_attr >> 16
        assert mode & 0o111, f"{script} is not executable in the wheel ({oct(mode)})"
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = wheel.read(entry).decode()
    assert "[pytest11]\ntestbed = testbed.pytest_plugin" in text, text
