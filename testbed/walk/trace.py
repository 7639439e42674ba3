"""ovn-trace and ofproto/trace for the walked packet, parsed into steps and compared with the wire.

`ovn-trace --detailed` gives the logical datapaths and pipeline stages the packet crosses and the
logical output port; `ovs-appctl ofproto/trace` on the bridge where the packet entered its first
chassis gives the OpenFlow tables and the datapath actions (MACs set, TTL, VLAN pushed, tunnel,
output port), parsed with the `ovs` package's ODP flow parser.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ovs.flow.odp import ODPFlow

from ..observe.frames import Frame

_OVN_BLOCK = re.compile(r'^(ingress|egress)\(dp="([^"]+)", inport="([^"]*)"(?:, outport="([^"]*)")?\)$')
_OVN_STAGE = re.compile(r"^\s*(\d+)\. (\S+) \(([^)]*)\): (.*), priority (\d+), uuid (\w+)$")
_OVN_OUTPUT = re.compile(r'/\* output to "([^"]*)", type "([^"]*)" \*/')
_OF_BRIDGE = re.compile(r'^bridge\("([^"]+)"\)$')
_OF_STAGE = re.compile(r"^(\s*)(\d+)\. (.*?),? ?priority (\d+)(?:, cookie (0x[0-9a-f]+))?$")
_DP_PORT = re.compile(r"^\s*port (\d+): (\S+)")


@dataclass
class Step:
    where: str  # logical datapath (ovn-trace) or bridge (ofproto/trace)
    pipeline: str  # ingress / egress (ovn-trace); "" for OpenFlow
    table: int
    stage: str  # stage name (ovn-trace); "" for OpenFlow
    match: str
    priority: int
    actions: list[str] = field(default_factory=list)


@dataclass
class OvnTrace:
    command: list[str]
    text: str
    steps: list[Step]
    datapaths: list[str]
    outputs: list[tuple[str, str]]  # (logical port, type)

    @property
    def outport(self) -> str | None:
        """The last logical port the packet left OVN by (a VIF, a localnet, ...); a patch port
        only hands it to the next datapath, so a trace whose outputs are all patch ports ended
        inside OVN (dropped there: see dropped_by)."""
        final = [port for port, kind in self.outputs if kind != "patch"]
        return final[-1] if final else None

    @property
    def resolving(self) -> Step | None:
        """The step that replaced the packet by an ARP request or an IPv6 neighbour
        solicitation (its next hop was not resolved yet): what ovn-trace follows after it,
        the output port included, is that request's path, not the packet's."""
        return next((st for st in self.steps if st.actions and st.actions[0].startswith(
            ("arp {", "nd_ns {"))), None)

    @property
    def dropped_by(self) -> Step | None:
        """When nothing was output and an ACL stage decided: its logical flow (match and
        priority name the ACL, e.g. `outport == @neutron_pg_drop && ip`, 1001)."""
        if self.outport:
            return None
        acl = [st for st in self.steps if "acl_eval" in st.stage or st.stage.endswith("_acl")]
        return acl[-1] if acl else None

    def to_json(self) -> dict:
        return {"command": self.command, "steps": [asdict(s) for s in self.steps],
                "datapaths": self.datapaths, "outputs": self.outputs, "outport": self.outport}


@dataclass
class DatapathActions:
    text: str
    eth_src: str | None = None
    eth_dst: str | None = None
    ttl: int | None = None
    push_vlan: int | None = None
    pop_vlan: bool = False
    tunnel_dst: str | None = None
    tunnel_vni: int | None = None
    tunnel_header: int | None = None  # bytes the tunnel adds (geneve with OVN's option: 58)
    outputs: list[str] = field(default_factory=list)
    drop: bool = False
    to_controller: bool = False  # a userspace() action: the packet goes up to ovn-controller
    ct_zones: list[int] = field(default_factory=list)  # conntrack zones the packet passed
    recirculates: bool = False  # ends in a recirc(): the datapath looks again (after conntrack
    # or a load balancer's hash) where the trace cannot follow

    @property
    def verdict(self) -> str:
        if self.outputs:
            return "forwarded"
        return "to ovn-controller" if self.to_controller else "dropped"


@dataclass
class OfprotoTrace:
    command: list[str]
    text: str
    steps: list[Step]
    actions: DatapathActions
    error: str | None = None  # the trace did not run (bad flow, no such port, ...)

    def to_json(self) -> dict:
        return {"command": self.command, "steps": [asdict(s) for s in self.steps],
                "datapath_actions": asdict(self.actions), "error": self.error}


def parse_ovn_trace(text: str, command: list[str] | None = None) -> OvnTrace:
    steps: list[Step] = []
    datapaths: list[str] = []
    outputs: list[tuple[str, str]] = []
    dp, pipeline = "", ""
    for line in text.splitlines():
        if m := _OVN_BLOCK.match(line.strip()):
            pipeline, dp = m.group(1), m.group(2)
            if not datapaths or datapaths[-1] != dp:
                datapaths.append(dp)
            continue
        if m := _OVN_STAGE.match(line):
            steps.append(Step(dp, pipeline, int(m.group(1)), m.group(2), m.group(4),
                              int(m.group(5))))
            continue
        if m := _OVN_OUTPUT.search(line):
            outputs.append((m.group(1), m.group(2)))
        stripped = line.strip()
        if steps and stripped and not stripped.startswith("-") and not stripped.startswith("#"):
            steps[-1].actions.append(stripped)
    return OvnTrace(command or [], text, steps, datapaths, outputs)


def parse_dp_ports(text: str) -> dict[int, str]:
    """`ovs-appctl dpctl/show` -> datapath port number -> interface name."""
    return {int(m.group(1)): m.group(2) for line in text.splitlines() if (m := _DP_PORT.match(line))}


def _mac(value) -> str:
    """ovs.flow prints MACs without leading zeros (fa:16:3e:16:7:92): back to six pairs."""
    return ":".join(f"{int(part, 16):02x}" for part in str(value).split("/")[0].split(":"))


def _taken(actions_kv, length: int | None):
    """(key, value) of each action the packet meets: of a check_pkt_len (gateway_mtu), the
    branch for a packet of `length` bytes (the walk's small probe when not known)."""
    for kv in actions_kv:
        if kv.key == "check_pkt_len" and isinstance(kv.value, dict):
            larger = length is not None and length > int(kv.value.get("size", 0))
            for action in kv.value.get("gt" if larger else "le", []):
                yield from action.items()
        else:
            yield kv.key, kv.value


def parse_datapath_actions(actions: str, ports: dict[int, str],
                           length: int | None = None) -> DatapathActions:
    """`length`: the packet's bytes on the wire (a check_pkt_len picks its branch by it)."""
    out = DatapathActions(actions)
    flow = ODPFlow("actions:" + actions.strip())
    for key, value in _taken(flow.actions_kv, length):
        if key == "drop":
            out.drop = True
        elif key == "set" and isinstance(value, dict):
            eth = value.get("eth") or {}
            if "src" in eth:
                out.eth_src = _mac(eth["src"])
            if "dst" in eth:
                out.eth_dst = _mac(eth["dst"])
            ip = value.get("ipv4") or {}
            if "ttl" in ip:
                out.ttl = int(str(ip["ttl"]).split("/")[0])
            ip6 = value.get("ipv6") or {}
            if "hlimit" in ip6:  # IPv6's hop limit, which the walk calls TTL
                out.ttl = int(str(ip6["hlimit"]).split("/")[0])
        elif key == "push_vlan":
            out.push_vlan = int(value["vid"])
        elif key == "pop_vlan":
            out.pop_vlan = True
        elif key == "tnl_push":
            header = value.get("header", {})
            out.tunnel_dst = str(header.get("ipv4", {}).get("dst", "")).split("/")[0] or None
            out.tunnel_vni = header.get("geneve", {}).get("vni")
            out.tunnel_header = int(header["size"]) if "size" in header else None
        elif key == "userspace":
            out.to_controller = True
        elif key == "ct" and isinstance(value, dict) and "zone" in value:
            out.ct_zones.append(int(value["zone"]))
        elif key == "output":
            port = value["port"] if isinstance(value, dict) else value
            out.outputs.append(ports.get(int(port), str(port)) if str(port).isdigit() else str(port))
    if not flow.actions_kv:
        out.drop = True
    out.recirculates = bool(flow.actions_kv) and flow.actions_kv[-1].key == "recirc"
    return out


def parse_ofproto_trace(text: str, ports: dict[int, str], command: list[str] | None = None,
                        length: int | None = None) -> OfprotoTrace:
    steps: list[Step] = []
    bridge = ""
    passes: list[str] = []  # one "Datapath actions" line per pass: ct() recirculates, and the
    for line in text.splitlines():  # rewrites of an early pass hold for the packet it resumes
        if m := _OF_BRIDGE.match(line.strip()):
            bridge = m.group(1)
            continue
        if line.startswith("Datapath actions:"):
            passes.append(line.split(":", 1)[1].strip())
            continue
        if m := _OF_STAGE.match(line):
            steps.append(Step(bridge, "", int(m.group(2)), "", m.group(3).rstrip(","),
                              int(m.group(4))))
            continue
        stripped = line.strip()
        if steps and stripped and not stripped.startswith("-") and not line[:1].strip():
            steps[-1].actions.append(stripped)
    if not passes:
        return OfprotoTrace(command or [], text, steps, DatapathActions(""),
                            error=text.strip().splitlines()[0] if text.strip() else "no output")
    return OfprotoTrace(command or [], text, steps,
                        parse_datapath_actions(",".join(passes), ports, length))


# --- the walked packet, as each tool wants it ------------------------------------------------


def ovn_microflow(inport: str, f: Frame) -> str:
    """An ovn-trace microflow for a captured (inner) frame entering at logical port `inport`."""
    p = f.packet
    quoted = inport.replace("\\", "\\\\").replace('"', '\\"')
    parts = [f'inport == "{quoted}"', f"eth.src == {p.eth_src}", f"eth.dst == {p.eth_dst}"]
    ip = "ip6" if p.kind == "ipv6" else "ip4"
    if p.ip_src:
        parts += [f"{ip}.src == {p.ip_src}", f"{ip}.dst == {p.ip_dst}", f"ip.ttl == {p.ttl}"]
    if p.proto in ("icmp", "icmp6"):
        icmp = "icmp6" if p.proto == "icmp6" else "icmp4"
        parts += [f"{icmp}.type == {p.icmp_type}", f"{icmp}.code == {p.icmp_code}"]
    elif p.proto in ("tcp", "udp"):
        parts += [f"{p.proto}.src == {p.sport}", f"{p.proto}.dst == {p.dport}"]
    return " && ".join(parts)


def ofproto_flow(in_port: str, f: Frame) -> str:
    """An ofproto/trace flow for a captured frame arriving on interface `in_port`."""
    parts = [f"in_port={in_port}"]
    if f.vlan is not None:
        parts.append(f"dl_vlan={f.vlan}")
    v6 = f.kind == "ipv6"
    proto = (f.proto if f.proto in ("icmp", "icmp6") else
             f"{f.proto}6" if v6 and f.proto in ("tcp", "udp") else
             f.proto if f.proto in ("tcp", "udp") else "ipv6" if v6 else "ip")
    parts += [proto, f"dl_src={f.eth_src}", f"dl_dst={f.eth_dst}"]
    if f.ip_src:
        src, dst = ("ipv6_src", "ipv6_dst") if v6 else ("nw_src", "nw_dst")
        parts += [f"{src}={f.ip_src}", f"{dst}={f.ip_dst}", f"nw_ttl={f.ttl}"]
    if f.proto in ("icmp", "icmp6"):
        field = "icmpv6" if f.proto == "icmp6" else "icmp"
        parts += [f"{field}_type={f.icmp_type}", f"{field}_code={f.icmp_code}"]
    elif f.proto in ("tcp", "udp"):
        parts += [f"{f.proto}_src={f.sport}", f"{f.proto}_dst={f.dport}"]
    return ",".join(parts)
