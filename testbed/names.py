"""Every name the testbed derives, built here and nowhere else.

Containers, interfaces, OVN rows and labels are named from the scenario's names by these
functions; other modules call them instead of formatting names by hand.
"""

from __future__ import annotations

LABEL = "ovn-testbed.name"
"""Docker label carried by every container and network of a testbed (value: the testbed name)."""
NODE_LABEL = "ovn-testbed.node"
ROLE_LABEL = "ovn-testbed.role"
RUNTIME_LABEL = "ovn-testbed.runtime"
"""On the holder container of a testbed whose nodes are namespaces (value: the runtime)."""
NETS_LABEL = "ovn-testbed.nets"
"""On a container: its addresses on the testbed's networks (mgmt=CIDR@MAC;overlay=...), the
bridges of which live in the holder's fabric namespace."""


def transport_zone(compute: str) -> str:
    """A compute chassis' own OVN transport zone (settings.transport_zones: per-compute)."""
    return f"tz-{compute}"


def holder_name(testbed: str, kind: str = "netns") -> str:
    """The one container of a testbed of the netns runtime (kind `vms`: the one holding a
    docker testbed's VMs as namespaces, settings.vm_namespaces)."""
    return f"ovn-testbed-{testbed}-{kind}"

NB_PORT, SB_PORT = 6641, 6642
"""The central's NB and SB listen on these TCP ports of its management address."""


def db_remote(ip: str, database: str, proto: str = "tcp") -> str:
    """The central's remote of a database ("nb" or "sb") on its management address (`proto`
    ssl with settings.tls)."""
    return f"{proto}:{ip}:{NB_PORT if database == 'nb' else SB_PORT}"


# where each daemon of a node writes its PID (node-init starts them with these)
PIDFILES = {
    "ovsdb-server": "/run/openvswitch/ovsdb-server.pid",
    "ovs-vswitchd": "/run/openvswitch/ovs-vswitchd.pid",
    "ovn-controller": "/run/ovn/ovn-controller.pid",
    "ovn-northd": "/run/ovn/ovn-northd.pid",
    "ovnnb_db": "/run/ovn/ovnnb_db.pid",
    "ovnsb_db": "/run/ovn/ovnsb_db.pid",
}

UPLINK = "uplink"
"""A chassis' trunk towards its ToR port (the seed's "interface 1"); bridged into br-phy."""


def uplink(index: int) -> str:
    """A chassis' trunk for its `index`-th provider network (0: the scenario's default one)."""
    return UPLINK if index == 0 else f"{UPLINK}{index + 1}"


def provider_bridge(index: int) -> str:
    """The OVS bridge of a chassis' `index`-th provider network (its bridge mapping)."""
    return "br-phy" if index == 0 else f"br-phy{index + 1}"
VM_NIC = "eth0"
"""A VM's only interface (and an external host's)."""
EXTERNAL_NIC = "external"
"""A gateway chassis' NIC on the external network (the seed's "interface 3"); bridged into br-ex."""
EXTERNAL_SWITCH = "extnet"
"""The external network's switch: a plain Linux bridge in the ToR's container."""


IFNAMSIZ = 15
"""Linux interface names have at most 15 characters."""


def ifname(prefix: str, name: str) -> str:
    """An interface name made of a prefix and a node's name; a name too long for Linux keeps
    its start and gets a short hash of the whole, so two long names never meet."""
    import hashlib

    full = prefix + name
    if len(full) <= IFNAMSIZ:
        return full
    digest = hashlib.sha1(name.encode()).hexdigest()[:4]
    return f"{prefix}{name[:IFNAMSIZ - len(prefix) - 5]}_{digest}"


def external_port(peer: str, index: int = 0) -> str:
    """The external switch's port facing a gateway or an external host (x-gw1; on a further
    external network x2-gw1)."""
    return ifname("x-" if index == 0 else f"x{index + 1}-", peer)


def external_nic(index: int) -> str:
    """A gateway's NIC on its `index`-th external network."""
    return EXTERNAL_NIC if index == 0 else f"{EXTERNAL_NIC}{index + 1}"


def external_bridge(index: int) -> str:
    """A gateway's OVS bridge for its `index`-th external network (its bridge mapping)."""
    return "br-ex" if index == 0 else f"br-ex{index + 1}"


def external_switch(index: int) -> str:
    """The Linux bridge (in the ToR's container) of the `index`-th external network."""
    return EXTERNAL_SWITCH if index == 0 else f"{EXTERNAL_SWITCH}{index + 1}"


def downstream_port(host: str) -> str:
    """An upstream host's interface towards a host wired behind it."""
    return ifname("to-", host)


def generated_chassis_mac(chassis: str) -> str:
    """A chassis MAC for ovn-chassis-mac-mappings when the scenario gives none: unique per
    chassis name, locally administered (0e:...), unicast."""
    import hashlib

    digest = hashlib.sha1(chassis.encode()).digest()
    return "0e:" + ":".join(f"{b:02x}" for b in digest[:5])


def link_mac(testbed: str, node: str, ifname: str) -> str:
    """A veth end's MAC when the scenario gives none: locally administered, stable for the
    same testbed, node and interface (a re-made link gets its old MAC back)."""
    import hashlib

    raw = hashlib.sha1(f"{testbed}/{node}/{ifname}".encode()).digest()[:5]
    return "02:" + ":".join(f"{b:02x}" for b in raw)


def container_name(testbed: str, node: str) -> str:
    return f"{testbed}-{node}"


def vm_port(vm: str) -> str:
    """The VM's interface on its chassis' br-int (a VM's tap, in Nova's terms)."""
    return ifname("tap-", vm)


def tor_port(peer: str, index: int = 0) -> str:
    """A ToR port is named after the chassis it faces (and, for a chassis' further provider
    networks, their number: compute-a-p2)."""
    return ifname("", peer if index == 0 else f"{peer}-p{index + 1}")


NEUTRON = "neutron"
"""Naming style of Neutron's OVN driver: rows named by UUIDs, the human name in external_ids."""


def neutron_uuid(kind: str, name: str) -> str:
    """The UUID Neutron would have given an object: stable, derived from kind and name."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ovn-testbed/{kind}/{name}"))


def logical_switch(switch: str, style: str = "plain") -> str:
    return f"neutron-{neutron_uuid('network', switch)}" if style == NEUTRON else switch


def logical_router(router: str, style: str = "plain") -> str:
    return f"neutron-{neutron_uuid('router', router)}" if style == NEUTRON else router


def vm_lsp(vm: str, style: str = "plain") -> str:
    """A VM's logical switch port (its iface-id on the chassis)."""
    return neutron_uuid("port", vm) if style == NEUTRON else vm


def router_port(router: str, switch: str, style: str = "plain") -> str:
    """A logical router port (LRP) of `router` on `switch` (Neutron: lrp-<port uuid>)."""
    if style == NEUTRON:
        return f"lrp-{neutron_uuid('port', f'{router}/{switch}')}"
    return f"{router}-{switch}"


def switch_router_port(switch: str, router: str, style: str = "plain") -> str:
    """The switch-side peer (type=router LSP) of a router port (Neutron: the port uuid)."""
    if style == NEUTRON:
        return neutron_uuid("port", f"{router}/{switch}")
    return f"{switch}-{router}"


def load_balancer(lb: str, style: str = "plain") -> str:
    """An OVN Load_Balancer (Octavia's OVN provider: the load balancer's UUID)."""
    return neutron_uuid("loadbalancer", lb) if style == NEUTRON else lb


def localnet_port(switch: str, style: str = "plain") -> str:
    """A switch's port on its physical network (Neutron: provnet-<network uuid>)."""
    return f"provnet-{neutron_uuid('network', switch)}" if style == NEUTRON else f"ln-{switch}"


def ha_chassis_group(lrp: str) -> str:
    """The NB HA_Chassis_Group of a gateway port placed with a group."""
    return f"hcg-{lrp}"


def chassisredirect_port(lrp: str) -> str:
    """The SB port northd creates for a distributed gateway port; bound on the active gateway."""
    return f"cr-{lrp}"


DROP_PORT_GROUP = "neutron_pg_drop"
"""Every port with a security group is in it: its ACLs drop all IP not allowed by a rule."""
RULE_ID = "ovn-testbed:rule"
"""ACL external_ids key naming the security group rule an ACL implements: '<group>/<index>'."""


def port_group(security_group: str) -> str:
    """A security group's Port_Group (OVN names allow letters, digits, '_' and '.')."""
    return "pg_" + security_group.replace("-", "_")


def rule_id(security_group: str, index: int) -> str:
    return f"{security_group}/{index}"
