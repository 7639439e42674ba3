"""Why a walk assertion failed, as text: the expected and observed values side by side with
the rows that differ marked `<>` (the walk's own assertions print these; nothing here draws)."""

from __future__ import annotations

from typing import Protocol


class Leg(Protocol):
    """What is read of a walk's leg: its path and its hops."""

    path: list[str]
    hops: list


def field_table(rows: list[tuple[str, str, str]]) -> str:
    """what | expected | observed, with '<>' on the rows that differ."""
    w1 = max(len(r[0]) for r in rows)
    w2 = max([len(r[1]) for r in rows] + [8])
    lines = [f"   {'':<{w1}}  {'expected':<{w2}}  observed"]
    for what, want, got in rows:
        lines.append(f"{'<>' if want != got else '  '} {what:<{w1}}  {want:<{w2}}  {got}")
    return "\n".join(lines)


def side_by_side(expected: list[str], leg: Leg) -> str:
    """Expected and observed path, node by node, differences marked with '<>'."""
    observed = leg.path
    hops_at: dict[str, list[str]] = {}
    for h in leg.hops:
        p = h.frame.packet
        hops_at.setdefault(h.node, []).append(
            f"{h.direction} {h.ifname} vlan {p.vlan} ttl {p.ttl} {p.eth_src}>{p.eth_dst}"
            + (f" {h.frame.encap.kind}" if h.tunnelled else ""))
    width = max([len(x) for x in expected] + [8])
    lines = [f"  {'expected':<{width}}    observed"]
    for i in range(max(len(expected), len(observed))):
        e = expected[i] if i < len(expected) else "-"
        o = observed[i] if i < len(observed) else "-"
        mark = "  " if e == o else "<>"
        detail = "; ".join(hops_at.get(o, [])) if o != "-" else ""
        lines.append(f"{mark}{e:<{width}}    {o}   {detail}")
    return "\n".join(lines)
