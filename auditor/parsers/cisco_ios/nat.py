"""IOS NAT: translation rules, pools, static port mappings and the NAT ALG switches.

Part of the cisco_ios parser (parse stage). Facts and their sources:
- ``ip nat inside source list ACL pool P|interface IF [overload]``, ``route-map R ...`` and
  ``static [tcp|udp] ...`` forms, with trailing options ``extendable``, ``no-alias``,
  ``no-payload``, ``redundancy X``, ``route-map X``, ``vrf X``, ``add-route``: Cisco "IP
  Addressing: NAT Configuration Guide" and batfish's ``ios-nat-parsed-variants`` test config.
- The NAT ALGs (SIP, H.323 H.225/H.245/RAS, SCCP) are on by default whenever NAT translates
  and no line prints them; ``no ip nat service sip udp|tcp port 5060`` and
  ``no ip nat service skinny tcp port 2000`` turn them off (networklessons "NAT ALG"; Cisco
  SRST/CUBE guide "Exclude SIP ports from NAT services"; CCIE UC ch.7 "Cisco IOS NAT ALGs").
- ``[no] ip nat service all-algs`` (IOS XE; genielibs ``configure_nat_service_all_algs``).
- RTSP's NAT ALG default and the ``no`` forms for H.323/RTSP are NOT confirmed: those lines
  are reported as unsupported and the default stays as stated (marked unconfirmed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from auditor.flowspace import TCP, UDP, Cube, FlowSpace, cube_from_mask, cube_host, cubes_from_range
from auditor.model import Feature, PortMapping, Provenance, Source, SourceNat
from auditor.parsers.cisco_ios.acl import is_ipv4

_STATIC_OPTIONS_WITH_ARG = frozenset({"redundancy", "route-map", "vrf", "mapping-id"})
_STATIC_FLAGS = frozenset({"extendable", "no-alias", "no-payload", "add-route", "match-in-vrf", "reversible"})
_DYNAMIC_OPTIONS_WITH_ARG = frozenset({"vrf", "redundancy", "mapping-id", "portmap"})
_DYNAMIC_FLAGS = frozenset({"overload", "reversible", "oer", "no-payload", "add-route"})


class NatError(Exception):
    """A NAT line the parser cannot read exactly."""


@dataclass(slots=True)
class DynamicNat:
    """``ip nat inside source list|route-map ...`` before its pool is resolved."""

    source: Source
    acl: str | None
    route_map: str | None
    pool: str | None
    interface: str | None


@dataclass(slots=True)
class NatTables:
    """Everything NAT-related read from a file, for ``build`` at the end."""

    pools: dict[str, tuple[Cube, ...]] = field(default_factory=dict)
    dynamic: list[DynamicNat] = field(default_factory=list)
    static_nats: list[SourceNat] = field(default_factory=list)
    mappings: list[PortMapping] = field(default_factory=list)
    rule_lines: list[Source] = field(default_factory=list)  # every translation rule
    alg_settings: dict[str, tuple[bool, Source]] = field(default_factory=dict)


# --- pools -------------------------------------------------------------------------------


def read_pool(tokens: Sequence[str]) -> tuple[str, tuple[Cube, ...]]:
    """Read ``ip nat pool P START END netmask M|prefix-length N [type ...]``.

    Raises:
        NatError: not that form (e.g. the block form with ``address`` lines).
    """
    if len(tokens) >= 7 and is_ipv4(tokens[4]) and is_ipv4(tokens[5]):
        return tokens[3], tuple(cubes_from_range(tokens[4], tokens[5]))
    raise NatError("NAT pool form not understood")


def read_pool_address(tokens: Sequence[str]) -> tuple[Cube, ...]:
    """Read a pool block's ``address START END`` child line.

    Raises:
        NatError: not an address range.
    """
    if len(tokens) == 3 and tokens[0].lower() == "address" and is_ipv4(tokens[1]) and is_ipv4(tokens[2]):
        return tuple(cubes_from_range(tokens[1], tokens[2]))
    raise NatError("NAT pool member not understood")


# --- translation rules -------------------------------------------------------------------


def _check_options(tokens: Sequence[str], with_arg: frozenset[str], flags: frozenset[str]) -> None:
    index = 0
    while index < len(tokens):
        word = tokens[index].lower()
        if word in with_arg and index + 1 < len(tokens):
            index += 2
        elif word in flags:
            index += 1
        else:
            raise NatError(f"NAT option {tokens[index]!r} not understood")


def read_dynamic(tokens: Sequence[str], source: Source) -> DynamicNat:
    """Read ``list ACL|route-map R pool P|interface IF [options]`` (after ``... source``).

    Raises:
        NatError: the form is not understood.
    """
    if len(tokens) < 4 or tokens[0].lower() not in ("list", "route-map"):
        raise NatError("dynamic NAT form not understood")
    selector, name, target, value = (t for t in tokens[:4])
    if target.lower() not in ("pool", "interface"):
        raise NatError(f"expected pool or interface, got {target!r}")
    _check_options(tokens[4:], _DYNAMIC_OPTIONS_WITH_ARG, _DYNAMIC_FLAGS)
    is_list = selector.lower() == "list"
    is_pool = target.lower() == "pool"
    return DynamicNat(
        source,
        name if is_list else None,
        None if is_list else name,
        value if is_pool else None,
        None if is_pool else value,
    )


def _port(token: str) -> int:
    if not token.isdigit() or int(token) > 65535:
        raise NatError(f"port {token!r} not understood")
    return int(token)


def _network(address: str, mask: str) -> tuple[Cube, str]:
    if mask.startswith("/") and mask[1:].isdigit():
        net = ipaddress.IPv4Network(f"{address}/{mask[1:]}", strict=False)
    elif is_ipv4(mask):
        net = ipaddress.IPv4Network(f"{address}/{mask}", strict=False)
    else:
        raise NatError(f"network mask {mask!r} not understood")
    cube = cube_from_mask(str(net.network_address), str(net.netmask))
    return cube, str(net)


def read_static(
    tokens: Sequence[str], source: Source, *, inside: bool
) -> tuple[PortMapping, SourceNat | None]:
    """Read ``static [tcp|udp] A [P] G|interface IF [P] [options]`` or ``static network ...``.

    For ``ip nat outside source static`` the first address is the outside global one and
    the second the outside local one; the mapping records the local as ``inside_address``.

    Raises:
        NatError: the form is not understood.
    """
    words = [t.lower() for t in tokens]
    if words[:1] == ["network"] and len(tokens) >= 4:
        local_cube, local = _network(tokens[1], tokens[3])
        global_cube, glob = _network(tokens[2], tokens[3])
        _check_options(tokens[4:], _STATIC_OPTIONS_WITH_ARG, _STATIC_FLAGS)
        local, glob = (local, glob) if inside else (glob, local)
        mapping = PortMapping(None, local, glob, None, None, source)
        nat = SourceNat(source, match=FlowSpace.build(src=[local_cube]), translated=(global_cube,))
        return mapping, nat if inside else None
    if words[:1] in (["tcp"], ["udp"]):
        protocol = TCP if words[0] == "tcp" else UDP
        if len(tokens) < 5 or not is_ipv4(tokens[1]):
            raise NatError("static port translation form not understood")
        local_port = _port(tokens[2])
        if words[3] == "interface" and len(tokens) >= 6:
            glob, global_port, rest = f"interface {tokens[4]}", _port(tokens[5]), tokens[6:]
        elif is_ipv4(tokens[3]):
            glob, global_port, rest = tokens[3], _port(tokens[4]), tokens[5:]
        else:
            raise NatError("static port translation form not understood")
        _check_options(rest, _STATIC_OPTIONS_WITH_ARG, _STATIC_FLAGS)
        local = tokens[1]
        if not inside:
            local, glob = glob, local
        return PortMapping(
            (protocol,), local, glob, ((local_port, local_port),), ((global_port, global_port),), source
        ), None
    if len(tokens) >= 2 and is_ipv4(tokens[0]) and (is_ipv4(tokens[1]) or words[1] == "interface"):
        if words[1] == "interface":
            if len(tokens) < 3:
                raise NatError("static NAT to an interface without its name")
            translated: tuple[Cube, ...] = ()
            glob, rest, iface = f"interface {tokens[2]}", tokens[3:], tokens[2]
        else:
            glob, rest, translated, iface = tokens[1], tokens[2:], (cube_host(tokens[1]),), None
        _check_options(rest, _STATIC_OPTIONS_WITH_ARG, _STATIC_FLAGS)
        local = tokens[0]
        if not inside:
            return PortMapping(None, glob, local, None, None, source), None
        nat = SourceNat(
            source, match=FlowSpace.build(src=[cube_host(local)]), translated=translated, interface=iface
        )
        return PortMapping(None, local, glob, None, None, source), nat
    raise NatError("static NAT form not understood")


# --- NAT ALGs ----------------------------------------------------------------------------

# key -> (feature kind, what it is, default-on detail suffix)
_ALGS: dict[str, tuple[str, str]] = {
    "sip-udp": ("sip", "NAT SIP ALG for UDP 5060"),
    "sip-tcp": ("sip", "NAT SIP ALG for TCP 5060"),
    "h323": ("h323", "NAT H.323 ALG (H.225/H.245/RAS)"),
    "sccp": ("sccp", "NAT SCCP (Skinny) ALG for TCP 2000"),
    "rtsp": ("rtsp", "NAT RTSP ALG"),
}
_DEFAULT_SUFFIX = ": on by default on IOS/IOS-XE whenever NAT translates traffic (no line prints it)"
_UNCONFIRMED = " (unconfirmed: the RTSP NAT ALG default was not confirmed in Cisco documentation)"


def read_alg_service(words: Sequence[str], negated: bool) -> list[str] | None:
    """Return the ALG keys an ``[no] ip nat service ...`` line sets, or None if unconfirmed.

    ``words`` are the lower-cased tokens after ``ip nat service``. Only forms confirmed for
    the default port are understood; anything else returns None (reported, never guessed).
    """
    words = list(words)
    if words == ["all-algs"]:
        return list(_ALGS)
    if len(words) == 4 and words[0] == "sip" and words[1] in ("udp", "tcp") and words[2] == "port":
        # Positive form on any port keeps the ALG on; the `no` form only for the default port.
        if not negated or words[3] == "5060":
            return [f"sip-{words[1]}"]
        return None
    if len(words) == 4 and words[:3] == ["skinny", "tcp", "port"]:
        if not negated or words[3] == "2000":
            return ["sccp"]
        return None
    return None


def nat_alg_features(tables: NatTables) -> list[Feature]:
    """Return the NAT ALG features, explicit settings overriding the platform default."""
    features: list[Feature] = []
    for key, (kind, what) in _ALGS.items():
        setting = tables.alg_settings.get(key)
        if setting is None:
            detail = what + _DEFAULT_SUFFIX + (_UNCONFIRMED if kind == "rtsp" else "")
            features.append(Feature(kind, True, Provenance.DEFAULT, detail))
            continue
        enabled, source = setting
        state = "enabled" if enabled else "disabled"
        detail = f"{what} {state} by '{source.text.strip()}' (line {source.line})"
        features.append(Feature(kind, enabled, Provenance.EXPLICIT, detail, source))
    return features


def build_source_nats(tables: NatTables) -> list[SourceNat]:
    """Return dynamic and static source NATs in file order, with pool addresses resolved."""
    out = list(tables.static_nats)
    for rule in tables.dynamic:
        translated = tables.pools.get(rule.pool, ()) if rule.pool else ()
        out.append(
            SourceNat(rule.source, match_ruleset=rule.acl, translated=translated, interface=rule.interface)
        )
    return sorted(out, key=lambda nat: nat.source.line)
