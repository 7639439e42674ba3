"""Faults a test or a person injects on purpose, each reversible: see testbed/faults/kinds.py."""

from . import certs  # noqa: F401 - registers bad-cert
from .kinds import FAULTS, Fault, FaultError, Faults

__all__ = ["FAULTS", "Fault", "FaultError", "Faults"]
