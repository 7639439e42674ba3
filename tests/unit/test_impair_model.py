"""The scenario's `impairments:` without Docker: what is accepted, what is refused (file:line,
field, fix), the faults bring-up turns them into, and the kernel probe for delay."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed import features
from testbed.faults.impair import faults_for
from testbed.model import load

SEED = Path(__file__).resolve().parents[2] / "testbed" / "scenarios" / "l3-over-vlan.yaml"
MORE = """
impairments:
  - {node: gw2, link: overlay, down: true}
  - {node: compute-b, link: tor, rate_kbit: 10000, loss_pct: 2}
  - {node: ext, link: external, delay_ms: 20}
"""


@pytest.fixture
def impaired(seed_plus) -> Path:
    return seed_plus(MORE)


def test_impairments_become_the_faults_that_do_them(impaired):
    assert faults_for(load(impaired)) == [
        ("cut", "gw2", "overlay", {}), ("rate", "compute-b", "tor", {"kbit": 10000}),
        ("loss", "compute-b", "tor", {"loss_pct": 2.0}),
        ("netem", "ext", "external", {"delay_ms": 20.0})]


@pytest.mark.parametrize(("old", "new", "says"), [
    ("node: gw2,", "node: gw9,", "impairments.0.node: 'gw9' is no node or VM"),
    ("link: overlay,", "link: uplink,", "impairments.0.link: gw2 has no link 'uplink'. Fix: use "
     "one of external, mgmt, overlay, tor"),
    ("down: true}", "down: false}", "impairments.0: an impairment does nothing"),
    ("overlay, down: true}", "overlay, down: true, loss_pct: 5}",
     "a link that is down carries nothing"),
    ("loss_pct: 2}", "loss_pct: 0}", "impairments.1.loss_pct: Input should be greater than 0"),
    ("rate_kbit: 10000, loss_pct: 2}", "rate_kbit: 10000, delay_ms: 2}",
     "rate_kbit and delay_ms each take the interface's one root qdisc"),
    ("link: external, delay_ms: 20}", "link: tor, delay_ms: 20}",
     "impairments.2.link: ext has no link 'tor'"),
    ("compute-b, link: tor,", "compute-b, link: overlay,", None),  # accepted: no duplicate
])
def test_impairment_mistakes_are_refused(refused, impaired, old, new, says):
    if says is None:
        text = impaired.read_text().replace(old, new, 1)
        impaired.write_text(text)
        assert load(impaired).impairments[1].link == "overlay"
        return
    assert says in refused(impaired, old, new)


def test_the_same_link_twice_is_refused(refused, impaired):
    said = refused(impaired, "  - {node: ext,", "  - {node: gw2, link: overlay, down: true}\n"
                   "  - {node: ext,")
    assert "impairments.2.link: gw2's overlay is impaired twice" in said


def test_a_delay_is_refused_before_anything_starts_where_the_kernel_has_no_netem(impaired,
                                                                              monkeypatch):
    monkeypatch.setattr(features, "netem", lambda: False)
    with pytest.raises(ValueError, match=r"impairments\.2\.delay_ms: this kernel has no "
                                         r"sch_netem.*Fix: drop delay_ms"):
        features.refuse_unsupported(load(impaired))
    monkeypatch.setattr(features, "netem", lambda: True)
    features.refuse_unsupported(load(impaired))  # accepted where it has
