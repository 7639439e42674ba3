"""A host of the testbed (fake VM or external host) that sends probes."""

from __future__ import annotations

from dataclasses import dataclass

from .manager.docker import Node
from .observe import ping as ping_parser


@dataclass
class Host:
    node: Node

    @property
    def name(self) -> str:
        return self.node.name

    def ping(self, destination: str, count: int = 3, interval: float = 0.2,
             wait: float = 2.0, quiet: bool = False) -> ping_parser.PingResult:
        """Ping from this host; a failed ping is a result (100 % loss), not an exception.
        `quiet`: no line per reply (for floods: the summary keeps min/avg/max)."""
        out = self.node.run(["ping", "-n", *(["-q"] if quiet else []), "-c", str(count),
                             "-i", str(interval), "-W", str(wait), destination], check=False)
        return ping_parser.parse(destination, out.stdout + out.stderr)
