"""settings.neutron in the model: the node it adds (model/expand.py writes it out of the file),
the command line's --neutron, and what the neutron node cannot do yet."""

from __future__ import annotations

from pathlib import Path

from .problem import Problem
from .scenario import NeutronSource, Node, Role, Scenario


def check_neutron(sc: Scenario) -> list[Problem]:
    """What the neutron node (trixie's neutron-server 26, ML2/OVN over TCP) cannot do yet."""
    if not sc.settings.neutron:
        return []
    out = []
    if sc.settings.suite != "trixie":
        out.append(Problem("settings.neutron", f"the neutron node is built from trixie's "
                           f"neutron-server, not {sc.settings.suite}'s", "set suite: trixie"))
    if sc.settings.tls:
        out.append(Problem("settings.neutron", "the neutron node reaches NB and SB over TCP; "
                           "with settings.tls they take TLS clients only", "drop tls: true"))
    if not sc.nodes_with(Role.neutron):  # --neutron on a file whose `neutron` is another node
        out.append(Problem("settings.neutron", "it adds a node named 'neutron', and a node of "
                           "that name has another role", "rename that node"))
    if len(sc.nodes_with(Role.neutron)) > 1:
        out.append(Problem("settings.neutron", "more than one node has role neutron",
                           "keep one (settings.neutron adds `neutron` itself)"))
    return out


def with_neutron(sc: Scenario, source: str | None = None) -> Scenario:
    """The same scenario with settings.neutron (the command line's --neutron [TREE]) and its
    node; `source`: a Neutron tree to run instead of Debian's package."""
    setting = NeutronSource(source=str(Path(source).expanduser().resolve())) if source else True
    if sc.settings.neutron and not source:
        return sc
    nodes = {**sc.nodes} if "neutron" in sc.nodes else {**sc.nodes, "neutron": Node(
        role=Role.neutron)}
    return sc.model_copy(update={"settings": sc.settings.model_copy(
        update={"neutron": setting}), "nodes": nodes})


def resolve_source(sc: Scenario, base: Path) -> Scenario:
    """settings.neutron.source made absolute (relative to the scenario file's folder)."""
    src = sc.settings.neutron
    if not isinstance(src, NeutronSource):
        return sc
    path = (base / Path(src.source).expanduser()).resolve()
    return sc.model_copy(update={"settings": sc.settings.model_copy(update={
        "neutron": src.model_copy(update={"source": str(path)})})})


def check_source(sc: Scenario) -> list[Problem]:
    """The tree is a Neutron checkout (I/O: reads the tree)."""
    src = sc.settings.neutron
    if not isinstance(src, NeutronSource):
        return []
    if not (Path(src.source) / "neutron" / "__init__.py").is_file():
        return [Problem("settings.neutron.source", f"{src.source} is not a Neutron tree (no "
                        "neutron/__init__.py)", "give the folder of a Neutron git checkout "
                        "(the one holding neutron/ and setup.cfg)")]
    return []
