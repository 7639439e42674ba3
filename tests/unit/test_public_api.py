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
