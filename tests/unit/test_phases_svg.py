"""The bring-up picture: a bar per run, each phase a rectangle as long as its seconds."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import example, given
from hypothesis import strategies as st

from testbed.report import phases_svg

NS = "{http://www.w3.org/2000/svg}"
PHASES = ("containers", "wiring", "ovn", "ready")


@given(st.lists(st.tuples(st.text("abcxyz -", min_size=1, max_size=12),
                          st.lists(st.floats(0.01, 200), min_size=4, max_size=4)),
                min_size=1, max_size=8))
@example([("a", [1.0, 1.0, 1.0, 1.0]), ("a", [1.0, 3.0, 25.0, 1.0625])])  # once found by CI
def test_every_phase_is_drawn_to_one_scale(runs):
    runs = [(label, dict(zip(PHASES, secs, strict=True))) for label, secs in runs]
    root = ET.fromstring(phases_svg.svg("t <&>", runs))
    groups = root.findall(f"{NS}g")
    assert [g.get("data-label") for g in groups] == [label for label, _ in runs]
    longest = max(sum(p.values()) for _, p in runs)
    scale = (phases_svg.WIDTH - phases_svg.LEFT - phases_svg.RIGHT) / longest
    for g, (_, parts) in zip(groups, runs, strict=True):
        rects = g.findall(f"{NS}rect")
        assert [r.get("data-phase") for r in rects] == list(parts)
        for r, seconds in zip(rects, parts.values(), strict=True):
            assert float(r.get("data-seconds")) == round(seconds, 3)
            # one scale for every bar: the longest run fills the drawing (widths to 0.1 px)
            assert abs(float(r.get("width")) - seconds * scale) <= 0.051
