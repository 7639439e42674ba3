"""ovn-sbctl on a running testbed's SB database (in its central node).

    testbed sbctl show
    testbed sbctl --name mine find Port_Binding logical_port=cr-R1-public
"""

from __future__ import annotations

from .ovnctl import add_parser, runner

__all__ = ["add_parser", "run"]
run = runner("ovn-sbctl")
