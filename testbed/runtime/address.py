"""A node's address on one of the testbed's networks, as every runtime gives it: callers read
typed fields, never an engine's inspect dict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NetAddress:
    ip: str
    prefix: int
    mac: str
    network_id: str = ""
    """the engine's id of the network (Docker's); empty where the runtime has none"""

    @property
    def cidr(self) -> str:
        return f"{self.ip}/{self.prefix}"
