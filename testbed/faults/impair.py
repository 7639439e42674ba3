"""Loss on a link without netem, and the scenario's `impairments:` applied as faults.

    loss: a share of what a node sends on a link dropped at random (nftables' netdev egress
          hook with `numgen random`: this works where the kernel has no sch_netem)

Bring-up applies each impairment (model/impair.py) as the faults that do it: `cut` for down,
`rate` for rate_kbit, `loss` for loss_pct, `netem` for delay_ms. They are ordinary faults after
that: `testbed fault ls` lists them and `testbed fault restore` lifts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .kinds import Faults, Kind, end_of, register

if TYPE_CHECKING:
    from ..lab import Lab
    from ..model import Scenario


def nft_table(ifname: str) -> str:
    return f"testbed-loss-{ifname}"


@register
class Loss(Kind):
    name = "loss"

    def inject(self, lab, f):
        ifname = f.params["ifname"] = end_of(lab, f.node, f.target)
        pct = float(f.params.get("loss_pct", 0))
        if not 0 < pct <= 100:
            raise ValueError(f"loss_pct {pct:g} must be in (0, 100]")
        table, threshold = nft_table(ifname), round(pct * 100)  # in 1/10000
        chain = ["netdev", table, "egress"]
        lab.nodes[f.node].run_all([
            ["nft", "add", "table", "netdev", table],
            ["nft", "add", "chain", *chain,
             f'{{ type filter hook egress device "{ifname}" priority 0 ; }}'],
            ["nft", "add", "rule", *chain,  # numgen's values are 0-9999: 100 % needs none
             *(["numgen", "random", "mod", "10000", "lt", str(threshold)] if threshold < 10000
               else []), "counter", "drop"]])

    def restore(self, lab, f):
        lab.nodes[f.node].run(["nft", "delete", "table", "netdev", nft_table(f.params["ifname"])],
                             check=False)  # gone with the namespace if the node restarted


def faults_for(sc: Scenario) -> list[tuple[str, str, str, dict]]:
    """(kind, node, link, params) for every impairment, in the file's order."""
    out = []
    for imp in sc.impairments:
        if imp.down:
            out.append(("cut", imp.node, imp.link, {}))
        if imp.rate_kbit:
            out.append(("rate", imp.node, imp.link, {"kbit": imp.rate_kbit}))
        if imp.loss_pct:
            out.append(("loss", imp.node, imp.link, {"loss_pct": imp.loss_pct}))
        if imp.delay_ms:
            out.append(("netem", imp.node, imp.link, {"delay_ms": imp.delay_ms}))
    return out


def apply(lab: Lab, progress=print) -> None:
    faults = Faults(lab)
    for kind, node, link, params in faults_for(lab.scenario):
        f = faults.inject(kind, node, link, **params)
        progress(f"  impairment: {f.describe()}")
