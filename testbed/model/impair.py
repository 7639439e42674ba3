"""Link impairments declared in the scenario: a node's end of a link that starts down, is rate
limited, drops a share of what it sends, or delays it. Bring-up applies them as faults, so
`testbed fault ls` shows them and `testbed fault restore` lifts them.

    impairments:
      - {node: gw2, link: overlay, down: true}          # gw2's tunnels cut from the start
      - {node: compute-b, link: tor, rate_kbit: 10000}  # its trunk to the ToR at 10 Mbit/s
      - {node: gw1, link: overlay, loss_pct: 2}         # 2 % of what gw1 tunnels is lost
      - {node: ext, link: external, delay_ms: 20}       # needs the kernel's sch_netem

A link is named as `testbed fault` names it: by its network (mgmt, overlay, an external
network) or by the node at its other end (tor, a VM, an upstream host). Each applies to what
the node sends on it (egress).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .problem import Problem
from .types import Name, Strict


class Impairment(Strict):
    node: Name
    link: str
    down: bool = False
    """the node's end starts down (a cut wire; `testbed fault restore` brings it up)"""
    rate_kbit: Annotated[int, Field(ge=8, le=100_000_000)] | None = None
    """a token bucket (tc tbf) on what the node sends"""
    loss_pct: Annotated[float, Field(gt=0, le=100)] | None = None
    """this share of what the node sends is dropped (nftables' netdev egress hook; no netem
    needed)"""
    delay_ms: Annotated[float, Field(gt=0, le=10_000)] | None = None
    """added to what the node sends (tc netem: refused before bring-up where the kernel has
    no sch_netem)"""

    @model_validator(mode="after")
    def _one_effect(self):
        effects = [k for k in ("rate_kbit", "loss_pct", "delay_ms") if getattr(self, k)]
        if not self.down and not effects:
            raise ValueError("an impairment does nothing: give it down: true, rate_kbit, "
                             "loss_pct or delay_ms")
        if self.rate_kbit and self.delay_ms:
            raise ValueError("rate_kbit and delay_ms each take the interface's one root qdisc "
                             "(tbf, netem): keep one of them")
        if self.down and effects:
            raise ValueError(f"a link that is down carries nothing: drop {effects[0]} or "
                             "down: true")
        return self


def check_impairments(sc, links_of) -> list[Problem]:
    """`links_of(node)`: what `link:` may name for it (model/graph.py's neighbours)."""
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for i, imp in enumerate(sc.impairments):
        field = f"impairments.{i}"
        if imp.node not in sc.nodes and imp.node not in sc.vms:
            out.append(Problem(f"{field}.node", f"'{imp.node}' is no node or VM",
                               f"use one of {', '.join(sorted([*sc.nodes, *sc.vms]))}"))
            continue
        links = links_of(imp.node) if links_of else [imp.link]
        if imp.link not in links:
            out.append(Problem(f"{field}.link", f"{imp.node} has no link '{imp.link}'",
                               f"use one of {', '.join(links)}"))
        elif (imp.node, imp.link) in seen:
            out.append(Problem(f"{field}.link", f"{imp.node}'s {imp.link} is impaired twice",
                               "merge the two entries into one"))
        seen.add((imp.node, imp.link))
    return out
