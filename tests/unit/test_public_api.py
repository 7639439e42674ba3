"""The package's public API: what `import testbed` offers, one error base class, and objects
that do no I/O when constructed."""

from __future__ import annotations

from pathlib import Path

import testbed

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_names_and_their_error_classes():
    for name in testbed.__all__:
        assert getattr(testbed, name) is not None, name
    for err in (testbed.ScenarioError, testbed.EngineMissing, testbed.ReadinessTimeout,
                testbed.CommandError, testbed.FaultError, testbed.AlreadyUp, testbed.NotUp):
        assert issubclass(err, testbed.TestbedError), err
    # the built-in classes they always had, for callers that catch those
    assert issubclass(testbed.ScenarioError, ValueError)
    assert issubclass(testbed.ReadinessTimeout, TimeoutError)
    assert issubclass(testbed.EngineMissing, RuntimeError)
    assert (ROOT / "testbed" / "py.typed").exists()


def test_constructing_does_no_io(patch_here):
    import subprocess

    import docker

    def refuse(*args, **kwargs):
        raise AssertionError("I/O while constructing")
    patch_here(docker, "from_env", refuse)
    patch_here(subprocess, "run", refuse)
    tb = testbed.Testbed(testbed.load(ROOT / "scenarios" / "l3-over-vlan.yaml"), name="no-io")
    assert tb.backend._client is None


def test_a_database_that_did_not_answer_is_asked_again_later(monkeypatch, patch_here):
    """A Lab remembers a database that did not answer for REASK seconds (a walk asks several
    times), then asks again: a restored SB is used, not reported down for the Lab's life."""
    from testbed import lab as lab_module
    from testbed.errors import DatabaseDown
    from testbed.model import load

    sc = load(Path(__file__).resolve().parents[2] / "scenarios" / "l3-over-vlan.yaml")
    lab = lab_module.Lab(sc, "t")
    calls = []

    def connect(factory, what, timeout):
        calls.append(what)
        if len(calls) == 1:
            raise DatabaseDown(f"{what} does not answer")
        return "sb client"
    patch_here(lab_module.readiness, "connect", connect)  # other threads: the real ones
    monkeypatch.setattr(lab, "_db_remote", lambda database: f"tcp:1.2.3.4:{database}")
    now = [1000.0]
    patch_here(lab_module.time, "monotonic", lambda: now[0])
    assert lab.try_sb() is None and "does not answer" in lab.unreachable["sb"]
    assert lab.try_sb() is None and len(calls) == 1  # remembered: not asked again at once
    now[0] += lab_module.REASK
    assert lab.try_sb() == "sb client" and len(calls) == 2 and "sb" not in lab.unreachable
