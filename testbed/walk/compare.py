"""The same journey walked twice with a floating IP distributed (DVR) and centralised, side by
side: path, wire crossings, who translated, overlay, round trip on the wire.

    d, c = fip_compare(lab, "vm1", "ext")
    print(fip_table(d, c))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ovn import logical, readiness
from .model import Walk
from .runner import walk

if TYPE_CHECKING:
    from ..lab import Lab


def set_fip(lab: Lab, vm: str, distributed: bool) -> None:
    """Make a VM's floating IP distributed (logical_port and external_mac set, as the scenario
    has it) or centralised (both cleared) on the running testbed, then wait for the chassis."""
    found = lab.scenario.fip_of(vm)
    if found is None:
        raise ValueError(f"{vm} has no floating IP in scenario {lab.scenario.name}")
    router, nat = found
    index = lab.scenario.routers[router].nat.index(nat)
    original = lab.original_nat(router, index)
    if distributed and original.logical_port is None:
        raise ValueError(f"{vm}'s floating IP is centralised in the scenario: give it "
                         "logical_port and external_mac to compare")
    new = original if distributed else nat.model_copy(update={"logical_port": None,
                                                              "external_mac": None})
    logical.replace_nat(lab.nb, lab.scenario, router, nat, new, nat.external_ip)
    lab.scenario = lab.scenario.with_nat(router, index, new)
    readiness.chassis_caught_up(lab.scenario, lab.nodes)


def warm(lab: Lab, source: str, destination: str) -> None:
    """One ping first: the chassis that now routes resolves the next hop's MAC (its first
    packet would be lost to the ARP, which is not what the comparison is about)."""
    from .runner import resolve

    _, dst_ip, _ = resolve(lab.scenario, source, destination)
    lab.host(source).ping(dst_ip, count=2, interval=0.2, wait=1)


def fip_compare(lab: Lab, vm: str, destination: str) -> tuple[Walk, Walk]:
    """Walk vm -> destination with the floating IP distributed, then centralised; the
    scenario's own setting is put back afterwards."""
    try:
        set_fip(lab, vm, True)
        warm(lab, vm, destination)
        distributed = walk(lab, vm, destination)
        set_fip(lab, vm, False)
        warm(lab, vm, destination)
        centralised = walk(lab, vm, destination)
    finally:
        set_fip(lab, vm, True)
    return distributed, centralised


def rtt_ms(w: Walk) -> float | None:
    if not (w.request.hops and w.reply.delivered):
        return None
    return (w.reply.hops[-1].ns - w.request.hops[0].ns) / 1e6


def fip_rows(*walks: Walk) -> list[list[str]]:
    rows = [["", *(f"walk {w.number}" for w in walks)]]

    def row(label, fn):
        rows.append([label, *(fn(w) for w in walks)])
    row("request path", lambda w: " -> ".join(w.request.path))
    row("nodes crossed", lambda w: str(max(len(w.request.path) - 2, 0)))
    row("wire crossings (request)", lambda w: str(sum(h.direction == "in" for h in w.request.hops)))
    row("routed by", lambda w: str(w.request.routed_by))
    row("translated on", lambda w: str(w.request.translated_on))
    row("source on the external wire", lambda w: next(
        (f"{h.ip_src} ({h.eth_src})" for h in reversed(w.request.hops) if h.direction == "in"),
        "-"))
    row("overlay", lambda w: str(w.request.crossed_overlay))
    row("reply path", lambda w: " -> ".join(w.reply.path))
    row("round trip on the wire", lambda w: f"{rtt_ms(w):.3f} ms" if rtt_ms(w) else "-")
    return rows


def fip_table(distributed: Walk, centralised: Walk) -> str:
    rows = fip_rows(distributed, centralised)
    rows[0] = ["", "distributed (DVR)", "centralised"]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows)
