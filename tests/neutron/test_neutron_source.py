"""Own Neutron: `settings.neutron: {source: TREE}` runs a Neutron checkout's code in the neutron
node (mounted read-only, imported before Debian's package, its database migrations run at
start). The tree here is Debian's own neutron package copied out of the node's image with one
change a developer might make: the localnet ports Neutron writes carry one more option. The
change shows in NB, and the file's checks still hold on what that Neutron built."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from testbed import checks
from testbed.runtime import images

AIO = Path(__file__).resolve().parents[2] / "scenarios" / "packstack-allinone.yaml"
PACKAGE = "/usr/lib/python3/dist-packages/neutron"
CLIENT = "neutron/plugins/ml2/drivers/ovn/mech_driver/ovsdb/ovn_client.py"
MARK = "'network_name': physnet,"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A Neutron tree: the image's package, changed in one place."""
    tag = images.ensure_neutron_image(images.engine(), "trixie")
    out = tmp_path_factory.mktemp("neutron-tree")
    made = subprocess.run(["docker", "create", tag], capture_output=True, text=True, check=True)
    box = made.stdout.strip()
    try:
        subprocess.run(["docker", "cp", f"{box}:{PACKAGE}", str(out)], check=True)
    finally:
        subprocess.run(["docker", "rm", box], capture_output=True, check=False)
    client = out / CLIENT
    text = client.read_text()
    assert text.count(MARK) == 1, f"{CLIENT} changed upstream: the test's edit needs a new spot"
    client.write_text(text.replace(MARK, MARK + " 'testbed-own-neutron': 'yes',"))
    return out


def test_a_change_in_an_own_neutron_tree_is_what_writes_nb(testbeds, tree, tmp_path):
    variant = tmp_path / "aio-own.yaml"
    variant.write_text(AIO.read_text().replace("name: packstack-aio", "name: aio-own", 1)
                       .replace("settings:\n", f"settings:\n  neutron: {{source: {tree}}}\n", 1))
    with testbeds.up(variant) as tb:
        results = checks.run(tb.lab)
        assert all(r.ok for r in results), checks.render(results)
        localnets = [p for p in tb.lab.nb.idl.tables["Logical_Switch_Port"].rows.values()
                     if p.type == "localnet"]
        assert localnets and all(p.options.get("testbed-own-neutron") == "yes"
                                 for p in localnets), [p.options for p in localnets]
