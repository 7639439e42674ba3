"""No import cycle in testbed/, and nothing below the Testbed imports it: lower layers receive
a Lab. Imports inside functions and under TYPE_CHECKING count: they hide a cycle, they do not
end it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "testbed"
# the modules that may import the Testbed: the orchestrators above it (the package's lazy
# `testbed.Testbed`, the CLI verbs, the pytest plugin's fixtures and its pool of testbeds)
ABOVE_TESTBED = {"testbed", "testbed.pytest_plugin", "testbed.pytest_plugin.ahead",
                 "testbed.pytest_plugin.pool"}


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, f"import cycles: {[sorted(c) for c in found]}"


def test_only_the_orchestrators_import_the_testbed():
    """Walks, faults, flaps, re-wiring, the plugin's NB backup and artefacts take a Lab."""
    importers = sorted(name for name, deps in graph().items() if "testbed.net" in deps
                       and name not in ABOVE_TESTBED and not name.startswith("testbed.cli."))
    assert not importers, f"modules below the Testbed that import it: {importers}"
