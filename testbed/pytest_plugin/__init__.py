"""pytest plugin: real OVN testbeds as fixtures (`pip install ovn-testbed` registers it).

    import pytest

    @pytest.mark.testbed("l3-over-vlan")                  # a bundled scenario, or a file
    def test_vm1_reaches_ext_through_the_active_gateway(testbed):
        walk = testbed.walk("vm1", "ext")
        walk.request.assert_expected(testbed.expect("vm1", "ext"))

    @pytest.mark.testbed("my-topology.yaml", scope="function")   # a fresh testbed for this test
    def test_that_changes_a_lot(testbed): ...

    def test_adds_a_switch(testbed_nb_restore):             # the NB database restored afterwards
        testbed_nb_restore.nb.ls_add("tmp").execute(check_error=True)

Fixtures: `testbed` (scenario and lifetime from the marker, else from the options), `testbeds`
(the session's pool: `with testbeds.up("dvr") as tb:` in a fixture of any scope),
`testbed_nb_restore` (the `testbed`, its OVN Northbound database put back after the test).

Options (also ini keys without the dashes: testbed_scenario = ...):
    --testbed-scenario=FILE|NAME  the scenario when a test has no marker (l3-over-vlan)
    --testbed-scope=session|module|function   how long a testbed lives (session: one per
                                  scenario for the whole run)
    --testbed-keep                leave the testbeds of failed tests up for a look
    --testbed-suite=trixie|bookworm   the Debian suite of the node image, for every scenario
    --testbed-runtime=docker|netns    a container per node (docker), or every node a set of
                                  namespaces in one holder container (netns: faster, no
                                  whole-node stop/pause faults)
    --testbed-artifacts=DIR       where failed tests' artefacts go (testbed-artifacts/)
    --testbed-runs=DIR            run folders: state, walks, pcaps (runs/)
    --testbed-ahead=N             bring the declared testbeds up N at a time in the background
                                  while other tests run (0: off; under pytest-xdist only for
                                  a worker whose share a conftest gives: ahead_for)

No root or no Docker engine: the tests that need a testbed are skipped, with the reason
(with --testbed-require or OVN_TESTBED_REQUIRE=1 the run fails instead).
Every testbed is named `pt<pid>-<scenario>-<n>`: pytest-xdist workers and parallel runs never
collide, and a killed run's testbeds are removed by the next run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .artefacts import collect, folder_for
from .nbstate import backup_nb, restore_nb
from .pool import Testbeds

SCOPES = ("session", "module", "function")
_POOL = pytest.StashKey[Testbeds]()
_SAVED = pytest.StashKey[list]()
OPTIONS = {  # name: (default, help)
    "testbed_scenario": ("l3-over-vlan", "scenario of tests without a testbed marker: a file "
                         "or a bundled scenario's name"),
    "testbed_scope": ("session", "how long a testbed lives: session, module or function"),
    "testbed_suite": ("", "Debian suite of the node image for every scenario (trixie, bookworm)"),
    "testbed_runtime": ("docker", "what runs the nodes: docker (a container each) or netns "
                        "(namespaces in one holder container)"),
    "testbed_artifacts": ("testbed-artifacts", "folder for the artefacts of failed tests"),
    "testbed_runs": ("runs", "folder for the testbeds' run folders (state, walks, pcaps)"),
    "testbed_ahead": ("0", "bring declared testbeds up N at a time in the background"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("testbed", "ovn-testbed: real OVN testbeds")
    for name, (default, text) in OPTIONS.items():
        group.addoption("--" + name.replace("_", "-"), dest=name, default=None,
                        help=f"{text} (default: {default or 'the scenario'})")
        parser.addini(name, text, default=default)
    group.addoption("--testbed-keep", action="store_true", default=False,
                    help="leave the testbeds of failed tests up (testbed show/down NAME)")
    group.addoption("--testbed-require", action="store_true", default=False,
                    help="fail, instead of skipping, when no testbed can come up here (no "
                         f"root, no Docker engine); also {REQUIRE_ENV}=1 (CI sets it)")


REQUIRE_ENV = "OVN_TESTBED_REQUIRE"


def unavailable(config: pytest.Config) -> str | None:
    """Why no testbed can come up here (tests needing one are then skipped with it), or None.
    With --testbed-require or OVN_TESTBED_REQUIRE=1 that is an error that ends the run: a CI
    run on a machine without an engine must not pass on the unit tests alone."""
    reason = config.stash[_POOL].skip_reason()
    if reason and (config.getoption("testbed_require") or
                   os.environ.get(REQUIRE_ENV, "") not in ("", "0")):
        raise pytest.UsageError(f"{reason}; testbeds are required here (--testbed-require or "
                                f"{REQUIRE_ENV}=1), so the run fails instead of skipping")
    return reason


def option(config: pytest.Config, name: str) -> str:
    value = config.getoption(name)
    return str(value if value is not None else config.getini(name))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "testbed(scenario=None, scope=None): the testbed this test needs (a file or a "
        "bundled scenario's name; session, module or function)")
    scope = option(config, "testbed_scope")
    if scope not in SCOPES:
        raise pytest.UsageError(f"--testbed-scope={scope}: one of {', '.join(SCOPES)}")
    root = config.rootpath
    from ..runtime.runtimes import available

    runtime = option(config, "testbed_runtime")
    if runtime not in available():
        raise pytest.UsageError(f"--testbed-runtime={runtime}: one of {', '.join(sorted(available()))}")
    config.stash[_POOL] = Testbeds(root / option(config, "testbed_runs"),
                                   keep=config.getoption("testbed_keep"),
                                   suite=option(config, "testbed_suite") or None,
                                   runtime=runtime)
    config.stash[_SAVED] = []


def wanted(item: pytest.Item) -> tuple[str | Path, str] | None:
    """(scenario, scope) of a test that declares a testbed with the marker, else None."""
    marker = item.get_closest_marker("testbed")
    if marker is None:
        return None
    scenario = marker.kwargs.get("scenario", marker.args[0] if marker.args else None)
    scenario = scenario or option(item.config, "testbed_scenario")
    scope = marker.kwargs.get("scope") or option(item.config, "testbed_scope")
    if scope not in SCOPES:
        raise pytest.UsageError(f"{item.nodeid}: testbed marker scope={scope!r}: one of "
                                f"{', '.join(SCOPES)}")
    return scenario, scope


def module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        wanted(item)  # a marker with a bad scope stops the run here, naming the test
    if any("testbeds" in getattr(item, "fixturenames", ()) for item in items):
        unavailable(config)  # required but impossible here: the run stops now, saying why


def declared(pool: Testbeds, items: list[pytest.Item]) -> list[Path]:
    """The shared testbeds these tests declare, in order, each once: a scenario per session,
    or per module for module-scoped ones."""
    refs, seen = [], set()
    for item in items:
        if item.get_closest_marker("skip") or (need := wanted(item)) is None:
            continue
        scenario, scope = need
        key = (pool.path(scenario), module_of(item) if scope == "module" else scope)
        if scope != "function" and key not in seen:
            seen.add(key)
            refs.append(pool.path(scenario))
    return refs


def ahead_for(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Bring up ahead (--testbed-ahead=N at a time, in the background) the shared testbeds these
    tests declare. The plugin does this at collection; under pytest-xdist a worker's share is
    not known then, so a conftest that hands each worker a fixed share calls it with that
    share (this repository's tests/conftest.py does)."""
    workers = int(option(config, "testbed_ahead") or 0)
    pool = config.stash[_POOL]
    refs = declared(pool, items) if workers > 0 else []
    if not refs or pool.skip_reason() is not None:
        return
    pool.remove_stale()
    pool.start_ahead(refs, workers)


def pytest_collection_finish(session: pytest.Session) -> None:
    """With --testbed-ahead=N: start the shared testbeds the selected tests declare (not in an
    xdist worker, which runs a share of them: see ahead_for)."""
    if not hasattr(session.config, "workerinput"):
        ahead_for(session.config, session.items)


@pytest.fixture(scope="session")
def testbeds(pytestconfig: pytest.Config) -> Testbeds:
    """The session's testbeds: `with testbeds.up("dvr") as tb:`, `testbeds.shared(...)`."""
    pool = pytestconfig.stash[_POOL]
    reason = unavailable(pytestconfig)
    if reason:
        pytest.skip(reason)
    pool.remove_stale()
    return pool


@pytest.fixture
def testbed(request: pytest.FixtureRequest, testbeds: Testbeds):
    """A running testbed of the test's scenario (marker `testbed`, else --testbed-scenario)."""
    scenario, scope = wanted(request.node) or (option(request.config, "testbed_scenario"),
                                                option(request.config, "testbed_scope"))
    if scope == "function":
        with testbeds.up(scenario) as tb:
            yield tb
    else:
        yield testbeds.shared(scenario, module_of(request.node) if scope == "module" else scope)


@pytest.fixture
def testbed_host(testbed):
    """`testbed_host("gw1")`: a node of the test's testbed as a testinfra host (process,
    socket, interface, file, ... as testinfra has them)."""
    return lambda name: testbed.node(name).testinfra


@pytest.fixture
def testbed_nb_restore(testbed):
    """The `testbed`; after the test its Northbound database holds again what it held before
    (and the chassis have caught up), whatever the test added, changed or deleted."""
    saved = backup_nb(testbed.lab)
    yield testbed
    restore_nb(testbed.lab, saved)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed or call.when not in ("setup", "call"):
        return
    from ..net import Testbed

    used = {id(v): v for v in getattr(item, "funcargs", {}).values() if isinstance(v, Testbed)}
    if not used:
        return
    pool = item.config.stash[_POOL]
    root = item.config.rootpath / option(item.config, "testbed_artifacts")
    lines = []
    for tb in used.values():
        pool.failed.add(tb.name)
        dest = folder_for(root, item.nodeid) / tb.name
        try:
            files = collect(tb.lab, dest)
            lines.append(f"{tb.name}: {len(files)} files in {dest}")
            lines += [f"  {p.relative_to(dest)}" for p in files if p.suffix in (".txt", ".pcapng",
                                                                               ".md", ".html")][:12]
        except Exception as exc:  # noqa: BLE001 - a report must not hide the test's failure
            lines.append(f"{tb.name}: collecting artefacts failed: {exc}")
        if pool.keep:
            lines.append(f"  kept up: testbed show {tb.name} / testbed down {tb.name}")
    item.config.stash[_SAVED].append((item.nodeid, lines))
    report.sections.append(("testbed artefacts", "\n".join(lines)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    yield
    if nextitem is None or module_of(nextitem) != module_of(item):
        item.config.stash[_POOL].release(module_of(item))  # the module's shared testbeds


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_POOL].finish()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    saved, pool = config.stash[_SAVED], config.stash[_POOL]
    if not saved and not pool.kept:
        return
    terminalreporter.section("ovn-testbed")
    for nodeid, lines in saved:
        terminalreporter.write_line(f"{nodeid}: artefacts")
        for line in lines[:1] + [x for x in lines if x.startswith("  kept")]:
            terminalreporter.write_line(f"  {line.strip()}")
    for name in pool.kept:
        terminalreporter.write_line(f"kept up: {name} (testbed show {name}; testbed down {name})")


__all__ = ["Testbeds", "ahead_for"]
