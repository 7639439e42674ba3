"""Property: whatever a user does to a valid scenario file (change a value to something else,
delete a key), the loader either accepts it or raises ScenarioError whose every problem names a
line of the file; it never raises anything else. (Loading starts nothing by construction: the
loader is pure; a test in test_scenario checks that no Docker call is made.)"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testbed.model import ScenarioError, parse

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.sampled_from([
        "", "x", "A", "gw1", "compute-a", "10.0.0.0/33", "10.0.0.1", "300.1.1.1/24",
        "fa:16:3e:00:00:01", "ff:ff:ff:ff:ff:ff", "fa:16:3e", "tenant", "provider", "external",
        "snat", "dnat_and_snat", "ingress", "tcp", "icmp", "gre", "neutron", "trixie",
        "203.0.113.1/24", "192.168.10.11", "a" * 50, "2001:db8:11::/64", "fd00::/48",
        "2001:db8:113::53", "fe80::1", "2001:db8:113::2/64", "slaac", "dhcpv6-stateful",
        "dhcpv6-stateless", "IPv6", "IPv4"]),
    st.lists(st.integers(0, 70000), max_size=3), st.dictionaries(st.sampled_from(
        ["a", "vlan", "cidr", "role"]), st.integers(0, 5000), max_size=2))


def paths(node, prefix=()):
    """Every path to a value in the loaded YAML."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


def mutate(data, path, value, delete):
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@st.composite
def mutated(draw):
    source = draw(st.sampled_from(FILES))
    data = yaml.safe_load(source.read_text())
    all_paths = list(paths(data))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(all_paths))
        try:
            data = mutate(data, path, draw(SCALARS), draw(st.booleans()))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
        all_paths = list(paths(data))
    return source.name, yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_scenarios_load_or_fail_with_lines(case):
    name, text = case
    try:
        parse(text, name)
    except ScenarioError as exc:
        assert exc.problems, text
        for p in exc.problems:
            assert p.line is not None, f"{p.render(name)}\n---\n{text}"
            assert p.fix, p
