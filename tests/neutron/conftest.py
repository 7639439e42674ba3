"""Real Neutron in the loop (`make test-neutron`): the neutron node's image is built once (about
two minutes: Debian's neutron-server and MariaDB), so not part of `make test`; .ci/run runs it
after. Root and a Docker engine are needed, as for the scenario tests."""

from __future__ import annotations

from ..docker_only import mark


def pytest_collection_modifyitems(config, items):
    mark(config, items)


def variant(scenario, folder, name: str, with_neutron: bool, edits: tuple = ()):
    """A bundled scenario renamed `name`, with Neutron or without it (the same file both ways
    but for that setting), each (old, new) of `edits` applied once."""
    text = scenario.read_text()
    old_name = next(line for line in text.splitlines() if line.startswith("name: "))
    text = text.replace(old_name, f"name: {name}", 1)
    for old, new in edits:
        text = text.replace(old, new, 1)
    if with_neutron:
        text = text.replace("settings:\n", "settings:\n  neutron: true\n", 1)
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path
