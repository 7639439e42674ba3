"""ToR as an OVS bridge in the tor container: works on every kernel (userspace datapath)."""

from __future__ import annotations

import uuid

from .. import wait
from .base import BRIDGE, FdbEntry, Tor
from .ovs_output import parse_fdb, parse_moves
from .timeline import counted, moves_from_polls, polls

POLL = ('i=0; while [ "$i" -lt "$1" ] && [ ! -e "$4" ]; do date +%s.%N; ovs-appctl fdb/show "$2"; '
        'ovs-appctl fdb/stats-show "$2" | grep moved; i=$((i+1)); sleep 0.02; done > "$3"; '
        'echo END >> "$3"')
"""Poll the MAC table, stamped, until a stop file appears or $1 rounds are done (bounded).
Values come in as positional parameters, never formatted into the script."""

class OvsTor(Tor):
    kind = "ovs"

    def __init__(self, node, peers, vlans, trunks: int = 1, datapath: str = "netdev"):
        super().__init__(node, peers, vlans, trunks)
        self.datapath = datapath

    def _trunk(self, port: str) -> list[str]:
        return ["--", "--may-exist", "add-port", BRIDGE, port, "--", "set", "Port", port,
                "vlan_mode=trunk", f"trunks={','.join(map(str, self.vlans)) or '[]'}"]

    def setup(self) -> None:
        vsctl = ["ovs-vsctl", "--may-exist", "add-br", BRIDGE, "--", "set", "Bridge", BRIDGE,
                 f"datapath_type={self.datapath}"]
        for port in self.ports:
            vsctl += self._trunk(port)
        offload = [["ethtool", "-K", port, "tx", "off"] for port in self.ports]
        self.node.run_all([*offload, vsctl, ["ip", "link", "set", BRIDGE, "up"],
                           ["ovs-appctl", "fdb/stats-clear", BRIDGE]])

    def reattach(self, ports: list[str]) -> None:
        # the userspace datapath keeps a vanished device's port open: delete, then add again
        for port in ports:
            self.node.run_all([["ovs-vsctl", "--if-exists", "del-port", BRIDGE, port],
                               ["ethtool", "-K", port, "tx", "off"],
                               ["ovs-vsctl", *self._trunk(port)]])

    def _port_names(self) -> dict[str, str]:
        """OpenFlow port number -> the peer the port faces."""
        out = self.node.exec(["ovs-vsctl", "--bare", "--columns=ofport,name", "list", "Interface"])
        words = out.split()
        return {words[i]: self.peer_of.get(words[i + 1], words[i + 1])
                for i in range(0, len(words) - 1, 2)}

    def fdb(self) -> list[FdbEntry]:
        return parse_fdb(self.node.exec(["ovs-appctl", "fdb/show", BRIDGE]), self._port_names())

    def mac_moves(self) -> int:
        """The switch's own MAC-move counter, once it has caught up: OVS also learns (and
        counts moves) when its revalidators re-translate the datapath flows, so a read right
        after traffic can miss moves still to be counted; `revalidator/wait` waits for a
        whole round first."""
        self.node.exec(["ovs-appctl", "revalidator/wait"])
        return parse_moves(self.node.exec(["ovs-appctl", "fdb/stats-show", BRIDGE]))

    def flush(self) -> None:
        self.node.exec(["ovs-appctl", "fdb/flush", BRIDGE])

    def _watch_start(self, max_seconds: float) -> tuple[str, str]:
        base = f"/tmp/fdb-polls-{uuid.uuid4().hex[:8]}"
        rounds = int(max_seconds / 0.02) + 1
        self.node.spawn(["sh", "-c", POLL, "sh", str(rounds), BRIDGE, base + ".txt",
                         base + ".stop"])
        return base + ".txt", base + ".stop"

    def _watch_stop(self, token) -> list:
        out, stop = token
        self.node.exec(["touch", stop])

        def missing() -> list[str]:
            tail = self.node.run(["tail", "-n", "1", out], check=False).stdout.strip()
            return [] if tail == "END" else ["the end of the MAC table polls"]
        wait.until("the ToR's polling to stop", missing, timeout=10, interval=0.05)
        text = self.node.exec(["cat", out])
        self.node.exec(["rm", "-f", out, stop])
        rounds = polls(text.replace("END", ""), self._port_names())
        return moves_from_polls(rounds), counted(rounds)
