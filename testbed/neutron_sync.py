"""Neutron's own consistency check on a testbed: neutron-ovn-db-sync-util in log mode (it
compares Neutron's database with NB and SB and says what a repair would change, changing
nothing). Each warning is a Finding; where the tool reports something that is not out of step,
the finding says why, checked on this testbed (not assumed):

    New host H found in OVN SB DB, but not in Neutron
        Neutron maps H to the segments of its bridged physical networks already (none
        without a bridge mapping): the tool counts only hosts with an agent row, and ML2/OVN
        keeps its agents in memory, so it says this of every chassis
    Router Port X needs to be updated in OVN NB DB as network(s) have changed
        X's networks in NB are Neutron's, in another order (the tool compares two lists, one
        built from a set, so a port with two or more networks is reported at random)

    findings = check(lab)
    repairs = [f for f in findings if not f.why]
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model.scenario import NeutronSource
from .neutron import api, node_of
from .runtime.compose import NEUTRON_TREE

if TYPE_CHECKING:
    from .lab import Lab

LOG = "/var/log/neutron/ovn-db-sync.log"
CONFIG = ["--config-file", "/etc/neutron/neutron.conf",
          "--config-file", "/etc/neutron/plugins/ml2/ml2_conf.ini"]
_HOST = re.compile(r"New host (\S+) found in OVN SB DB, but not in Neutron")
_PORT = re.compile(r"Router Port port_id=(\S+) needs to be updated in OVN NB DB as network")


@dataclass(frozen=True)
class Finding:
    text: str  # the tool's warning
    why: str = ""  # why it needs no repair ("" when it does)


def check(lab: Lab) -> list[Finding]:
    """Run the tool in log mode in the neutron node; its warnings, each classified."""
    node = lab.nodes[node_of(lab)]
    node.exec(["rm", "-f", LOG])
    tree = ["env", f"PYTHONPATH={NEUTRON_TREE}"] if isinstance(
        lab.scenario.settings.neutron, NeutronSource) else []  # the tree's own, as the server
    node.exec([*tree, "neutron-ovn-db-sync-util", *CONFIG, "--ovn-neutron_sync_mode", "log",
               "--log-file", LOG])
    warned = [line.split("] ", 1)[-1] for line in node.exec(["cat", LOG]).splitlines()
              if " WARNING " in line]
    return [Finding(text, _why(lab, text)) for text in warned]


def _why(lab: Lab, text: str) -> str:
    if (m := _HOST.search(text)) and _mapped(lab, m.group(1)):
        return ("Neutron's database maps the host to the segments of its physical networks "
                "already (none without a bridge mapping); the tool counts only hosts with an "
                "agent row, and ML2/OVN keeps none")
    if (m := _PORT.search(text)) and _same_networks(lab, m.group(1)):
        return ("the same networks in NB as in Neutron, in another order (the tool compares "
                "them as lists, one built from a set)")
    return ""


def _mapped(lab: Lab, host: str) -> bool:
    """Whether Neutron maps `host` to exactly the flat and VLAN segments of the physical
    networks its chassis bridges (SB Chassis other_config ovn-bridge-mappings)."""
    physnets = {m.split(":")[0] for c in lab.sb.idl.tables["Chassis"].rows.values()
                if c.hostname == host
                for m in c.other_config.get("ovn-bridge-mappings", "").split(",") if m}
    segments = _query(lab, "SELECT id, physical_network FROM networksegments WHERE "
                           "network_type IN ('flat', 'vlan')")
    mapped = _query(lab, f"SELECT segment_id FROM segmenthostmappings WHERE host = '{host}'")
    return {row[0] for row in mapped} == {seg for seg, net in segments if net in physnets}


def _query(lab: Lab, sql: str) -> list[list[str]]:
    """Rows of Neutron's database (MariaDB in the neutron node), columns as text."""
    out = lab.nodes[node_of(lab)].exec(["mariadb", "-N", "neutron", "-e", sql])
    return [line.split("\t") for line in out.splitlines() if line]


def _same_networks(lab: Lab, port_id: str) -> bool:
    rest = api(lab)
    wanted = set()
    for fixed in rest.call("GET", f"ports/{port_id}")["port"]["fixed_ips"]:
        cidr = rest.call("GET", f"subnets/{fixed['subnet_id']}")["subnet"]["cidr"]
        wanted.add(f"{fixed['ip_address']}/{ipaddress.ip_network(cidr).prefixlen}")
    lrp = lab.nb.lrp_get(f"lrp-{port_id}").execute(check_error=True)
    return set(lrp.networks) == wanted
