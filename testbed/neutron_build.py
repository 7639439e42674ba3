"""The scenario's logical part built through Neutron's API (settings.neutron): networks and
subnets for the switches, routers with their interfaces (the scenario's MACs and addresses),
external gateways with or without SNAT, static routes, security groups, a port per VM bound to
its chassis (`binding:host_id`, as Nova would), floating IPs. Neutron writes NB; what it chose
itself (its IDs, the localnets' segment IDs, a gateway port's MAC) comes back as the scenario's
`neutron_ids` and MACs, so every name the testbed uses afterwards is Neutron's.

    ids = build(api, sc)          # api: Api(url) of the neutron node
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
from http.client import HTTPConnection

from .model import Network, Scenario
from .runtime.enter import connect_in

PROJECT = "fake_project_id"  # noauth's project


class _Connection(HTTPConnection):
    """HTTP whose TCP connection is made in a network namespace (when given)."""

    def __init__(self, host: str, port: int, timeout: float, netns: str | None):
        super().__init__(host, port, timeout=timeout)
        self.netns = netns

    def connect(self) -> None:
        if self.netns is None:
            return super().connect()
        self.sock = connect_in(self.netns, (self.host, self.port), self.timeout)


class Api:
    """Neutron's REST API as an admin of noauth's project (JSON in, JSON out), reached inside
    the neutron node's network namespace (`netns`; its loopback) or, without one, at `url`."""

    def __init__(self, url: str, timeout: float = 60, netns: str | None = None):
        self.url, self.timeout, self.netns = url.rstrip("/"), timeout, netns

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        where = urllib.parse.urlsplit(self.url)
        conn = _Connection(where.hostname, where.port or 80, self.timeout, self.netns)
        try:
            conn.request(method, f"/v2.0/{path}", body=data,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            text = resp.read().decode()
        finally:
            conn.close()
        if resp.status >= 400:
            raise RuntimeError(f"Neutron {method} /v2.0/{path}: {resp.status} {text[:400]}")
        return json.loads(text) if text else {}

    def create(self, kind: str, **fields) -> dict:
        return self.call("POST", f"{kind}s", {kind: fields})[kind]


def _network(api: Api, sc: Scenario, name: str) -> dict:
    sw = sc.switches[name]
    fields: dict = {"name": name}
    if sw.network is Network.provider:
        fields.update({"provider:network_type": "vlan", "provider:segmentation_id": sw.vlan,
                       "provider:physical_network": sc.physnet_of(name)})
    elif sw.network is Network.external:
        fields.update({"provider:network_type": "flat", "router:external": True,
                       "provider:physical_network": sc.physnet_of(name)})
    else:
        fields["provider:network_type"] = "geneve"
    return api.create("network", **fields)


def _gateway_ip(sc: Scenario, switch: str, v6: bool) -> str | None:
    """The subnet's gateway: the address of the router port on it (an interface)."""
    for router in sc.routers.values():
        for port in router.ports:
            if port.switch == switch and not port.gateway_chassis:
                ip = port.ip6 if v6 else port.ip
                return str(ip) if ip else None
    return None


def _subnets(api: Api, sc: Scenario, name: str, net: dict) -> dict[str, str]:
    sw, out = sc.switches[name], {}
    for v6, cidr in ((False, sw.cidr), (True, sw.cidr6)):
        if cidr is None:
            continue
        fields = {"network_id": net["id"], "cidr": str(cidr), "name": f"{name}-v{6 if v6 else 4}",
                  "ip_version": 6 if v6 else 4,
                  # the external network's gateway is an external host, not a router port
                  "gateway_ip": _gateway_ip(sc, name, v6) if sw.network is not Network.external
                  else None, "enable_dhcp": bool(sw.dhcp) if not v6 else bool(sw.ipv6_mode)}
        if v6 and sw.ipv6_mode:
            fields.update(ipv6_ra_mode=sw.ipv6_mode, ipv6_address_mode=sw.ipv6_mode)
        out["v6" if v6 else "v4"] = api.create("subnet", **fields)["id"]
    return out


def _security_groups(api: Api, sc: Scenario) -> dict[str, str]:
    """The scenario's groups with exactly their rules (Neutron's default egress ones removed)."""
    ids = {}
    for name in sc.security_groups:
        sg = api.create("security_group", name=name)
        for rule in sg.get("security_group_rules", []):
            api.call("DELETE", f"security-group-rules/{rule['id']}")
        ids[name] = sg["id"]
    for name, group in sc.security_groups.items():
        for rule in group.rules:
            fields: dict = {"security_group_id": ids[name], "direction": rule.direction,
                            "ethertype": rule.ethertype}
            if rule.protocol:
                fields["protocol"] = "ipv6-icmp" if rule.protocol == "icmp" and \
                    rule.ethertype == "IPv6" else rule.protocol
            if rule.port_range:
                fields.update(port_range_min=rule.port_range[0], port_range_max=rule.port_range[1])
            if rule.remote_prefix:
                fields["remote_ip_prefix"] = str(rule.remote_prefix)
            if rule.remote_group:
                fields["remote_group_id"] = ids[rule.remote_group]
            api.create("security_group_rule", **fields)
    return ids


def _fixed_ips(subnets: dict[str, str], ip: str | None, ip6: str | None,
               auto6: bool = False) -> list[dict]:
    """`auto6`: the v6 subnet hands out addresses itself (SLAAC: EUI-64 of the MAC), and
    Neutron refuses one written out; the port gets it all the same."""
    out = []
    if ip and "v4" in subnets:
        out.append({"subnet_id": subnets["v4"], "ip_address": str(ip)})
    if "v6" in subnets and (auto6 or ip6):
        out.append({"subnet_id": subnets["v6"]} if auto6 else
                   {"subnet_id": subnets["v6"], "ip_address": str(ip6)})
    return out


def _auto6(sc: Scenario, switch: str) -> bool:
    return sc.switches[switch].ipv6_mode in ("slaac", "dhcpv6-stateless")


def _routers(api: Api, sc: Scenario, nets: dict, subnets: dict, ids: dict) -> None:
    for rname, router in sc.routers.items():
        made = api.create("router", name=rname)
        ids[f"router/{rname}"] = made["id"]
        for port in router.ports:
            if port.gateway_chassis:
                snat = any(n.type == "snat" for n in router.nat)
                info = {"network_id": nets[port.switch]["id"], "enable_snat": snat,
                        "external_fixed_ips": _fixed_ips(subnets[port.switch], port.ip, port.ip6)}
                api.call("PUT", f"routers/{made['id']}",
                         {"router": {"external_gateway_info": info}})
                gw = api.call("GET", f"ports?device_id={made['id']}&device_owner="
                                     "network:router_gateway")["ports"][0]
                ids[f"port/{rname}/{port.switch}"] = gw["id"]
                ids[f"mac/{rname}/{port.switch}"] = gw["mac_address"]
                continue
            p = api.create("port", network_id=nets[port.switch]["id"], mac_address=port.mac,
                           fixed_ips=_fixed_ips(subnets[port.switch], port.ip, None),
                           name=f"{rname}-{port.switch}")
            api.call("PUT", f"routers/{made['id']}/add_router_interface", {"port_id": p["id"]})
            if port.ip6 and "v6" in subnets[port.switch] and _auto6(sc, port.switch):
                # a SLAAC subnet gave the port an EUI-64 address; a router port may hold the
                # file's (the subnet's gateway, as a router added by subnet gets)
                api.call("PUT", f"ports/{p['id']}", {"port": {"fixed_ips": [
                    *_fixed_ips(subnets[port.switch], port.ip, None),
                    {"subnet_id": subnets[port.switch]["v6"], "ip_address": str(port.ip6)}]}})
            elif port.ip6 and "v6" in subnets[port.switch]:  # onto the same port
                api.call("PUT", f"routers/{made['id']}/add_router_interface",
                         {"subnet_id": subnets[port.switch]["v6"]})
            ids[f"port/{rname}/{port.switch}"] = p["id"]
        if router.routes:
            api.call("PUT", f"routers/{made['id']}", {"router": {"routes": [
                {"destination": str(r.to), "nexthop": str(r.via)} for r in router.routes]}})


def build(api: Api, sc: Scenario) -> dict[str, str]:
    """Everything the scenario's logical part holds, through Neutron; the IDs it gave them
    ("network/A", "router/R1", "port/vm1", "port/R1/A", "mac/R1/public", ...)."""
    ids: dict[str, str] = {}
    nets = {name: _network(api, sc, name) for name in sc.switches}
    ids.update({f"network/{n}": net["id"] for n, net in nets.items()})
    subnets = {name: _subnets(api, sc, name, nets[name]) for name in sc.switches}
    groups = _security_groups(api, sc)
    ids.update({f"group/{g}": gid for g, gid in groups.items()})
    for sg in api.call("GET", "security-groups?name=default")["security_groups"]:
        ids.setdefault("group/default", sg["id"])  # Neutron made it (unless the file has one)
    _routers(api, sc, nets, subnets, ids)
    for vname, vm in sc.vms.items():
        fields: dict = {"network_id": nets[vm.switch]["id"], "mac_address": vm.mac,
                        "name": vname, "binding:host_id": vm.chassis,
                        "fixed_ips": _fixed_ips(subnets[vm.switch], vm.ip, vm.ip6,
                                                _auto6(sc, vm.switch))}
        if vm.security_groups:
            fields["security_groups"] = [groups[g] for g in vm.security_groups]
        else:  # no group: nothing filtered, as the scenario means it
            fields.update(security_groups=[], port_security_enabled=False)
        ids[f"port/{vname}"] = api.create("port", **fields)["id"]
    for router in sc.routers.values():
        for nat in router.nat:
            if nat.type != "dnat_and_snat" or not nat.external_ip:
                continue
            vm = nat.logical_port or next(v for v, x in sc.vms.items() if x.ip == nat.logical_ip)
            ext = next(p.switch for p in router.ports if p.gateway_chassis)
            fip = api.create("floatingip", floating_network_id=ids[f"network/{ext}"],
                             floating_ip_address=str(nat.external_ip), port_id=ids[f"port/{vm}"],
                             fixed_ip_address=str(ipaddress.ip_address(nat.logical_ip)))
            own = api.call("GET", f"ports?device_id={fip['id']}&device_owner=network:floatingip")
            for port in own["ports"]:  # its port on the external network: a distributed FIP's MAC
                ids[f"fipmac/{nat.external_ip}"] = port["mac_address"]
    return ids
