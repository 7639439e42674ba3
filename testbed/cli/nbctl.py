"""ovn-nbctl on a running testbed's NB database (in its central node).

    testbed nbctl show
    testbed nbctl --name mine lr-nat-list R1
"""

from __future__ import annotations

from .ovnctl import add_parser, runner

__all__ = ["add_parser", "run"]
run = runner("ovn-nbctl")
