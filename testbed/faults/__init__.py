"""Faults a test or a person injects on purpose, each reversible: see testbed/faults/kinds.py."""

from . import certs, impair  # noqa: F401 - register bad-cert, loss
from .kinds import FAULTS, Fault, FaultError, Faults

__all__ = ["FAULTS", "Fault", "FaultError", "Faults"]
