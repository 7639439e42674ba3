"""The churn bench's picture: a cumulative curve per series, percentiles in the legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from testbed.report import latency_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def test_a_curve_per_series_rising_to_every_sample_and_an_empty_series_said():
    doc = latency_svg.svg("t", {"20 chassis": [0.04, 0.02, 0.09, 0.05],
                                "100 chassis": [0.9, 2.5, 1.0, 0.3], "250 chassis": []})
    root = ET.fromstring(doc)
    lines = root.findall(".//s:polyline", NS)
    assert [p.get("data-label") for p in lines] == ["20 chassis", "100 chassis"]
    ys = [float(pt.split(",")[1]) for pt in lines[1].get("points").split()]
    assert ys == sorted(ys, reverse=True), "cumulative: never falls"
    text = " ".join(t.text or "" for t in root.iter(f"{{{NS['s']}}}text"))
    assert "p50 1.00, p95 2.50, p99 2.50 s" in text and "250 chassis: no samples" in text
