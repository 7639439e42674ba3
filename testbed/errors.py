"""The errors the testbed raises on purpose, under one base class.

    try:
        tb = Testbed(load("lab.yaml")).up()
    except testbed.ScenarioError as exc:    # the file: nothing was started
        ...
    except testbed.TestbedError as exc:     # anything else the testbed refused or saw fail
        ...

Each keeps the built-in class it always had (ValueError, RuntimeError, TimeoutError), so code
that caught those still does.
"""

from __future__ import annotations


class TestbedError(Exception):
    """Base of every error the testbed raises on purpose."""

    __test__ = False  # not a pytest test class


class EngineMissing(TestbedError, RuntimeError):
    """No Docker engine answers."""


class AlreadyUp(TestbedError, RuntimeError):
    """A testbed of that name is already up."""


class NotUp(TestbedError, RuntimeError):
    """No testbed of that name is up (nothing to attach to)."""


class NodeNotRunning(TestbedError, RuntimeError):
    """A command was sent to a node that is stopped or paused (a fault, or it died)."""


class FaultError(TestbedError, RuntimeError):
    """A fault could not be injected or restored (unknown kind or node, already injected...)."""


class DatabaseDown(TestbedError, ConnectionError):
    """The NB or SB database does not answer (its server is stopped, killed or cut off)."""
