"""Reading flattened PAN-OS statements into a ``Draft``: one dispatch per statement.

Part of the paloalto_panos parser (parse stage). A statement's path is first located: the
device entry and ``config`` root are stripped; ``vsys NAME`` and ``shared`` name the scope;
a single-vsys ``set`` configuration puts objects and rules at the top, which is vsys1.
Every statement ends extracted, known-and-ignored (``ignored.py``) or diagnosed.
"""

from __future__ import annotations

import ipaddress

from auditor.model import Diagnostic, DiagnosticKind, Route, Source
from auditor.parsers.paloalto_panos.draft import (
    SHARED,
    VSYS,
    AddressGroup,
    AddressObject,
    Draft,
    InterfaceDraft,
    RuleDraft,
    ServiceObject,
    Zone,
)
from auditor.parsers.paloalto_panos.ignored import (
    DEVICE_IGNORED,
    NETWORK_IGNORED,
    RULEBASE_IGNORED,
    RULEBASE_UNSUPPORTED,
    SCOPE_IGNORED,
)
from auditor.parsers.paloalto_panos.statements import Disposition, Flattened, Statement

PANORAMA = frozenset({"device-group", "template", "template-stack", "log-collector-group"})
_RANK = {Disposition.COMMENT: 0, Disposition.IGNORED: 1, Disposition.EXTRACTED: 2, Disposition.DIAGNOSED: 3}
_ADDRESS_KINDS = frozenset({"ip-netmask", "ip-range", "ip-wildcard", "fqdn"})
_INTERFACE_TYPES = frozenset({"ethernet", "aggregate-ethernet", "vlan", "loopback", "tunnel"})


class Outcome:
    """What one handler made of a statement."""

    __slots__ = ("disposition", "reason", "relevant", "kind")

    def __init__(
        self,
        disposition: Disposition,
        reason: str = "",
        relevant: bool = False,
        kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED,
    ) -> None:
        self.disposition = disposition
        self.reason = reason
        self.relevant = relevant
        self.kind = kind


EXTRACTED = Outcome(Disposition.EXTRACTED)
IGNORED = Outcome(Disposition.IGNORED)


def _unknown(reason: str, relevant: bool = False) -> Outcome:
    return Outcome(Disposition.DIAGNOSED, reason, relevant)


def _unsupported(reason: str, relevant: bool = False) -> Outcome:
    return Outcome(Disposition.DIAGNOSED, reason, relevant, DiagnosticKind.UNSUPPORTED)


def locate(words: tuple[str, ...]) -> tuple[str, str | None, int]:
    """Return (scope kind, vsys or Panorama container name, index of the first scoped word)."""
    i = 1 if words[:1] == ("set",) else 0
    if words[i : i + 1] == ("config",):
        i += 1
    if words[i : i + 1] == ("devices",) and len(words) > i + 2:
        i += 2
    head = words[i] if i < len(words) else ""
    if head == "vsys" and len(words) > i + 1:
        return VSYS, words[i + 1], i + 2
    if head == SHARED:
        return SHARED, None, i + 1
    if head in PANORAMA:
        return "panorama", head, i
    if head in DEVICE_IGNORED or head == "network" or head == "devices":
        return "device", None, i
    return VSYS, None, i


def choose_vsys(flat: Flattened) -> str:
    """The vsys to model: vsys1 (or the implicit one of a single-vsys config), else the first."""
    named: list[str] = []
    for stmt in flat.statements:
        kind, name, _ = locate(stmt.words)
        if kind == VSYS:
            if name is None or name == "vsys1":
                return "vsys1"
            if name not in named:
                named.append(name)
    return named[0] if named else "vsys1"


def read(draft: Draft, flat: Flattened) -> None:
    """Read every statement of ``flat`` into ``draft``, recording each line's disposition."""
    draft.vsys_name = choose_vsys(flat)
    for line in flat.structure:
        draft.dispositions.setdefault(line, Disposition.COMMENT)
    seen: set[tuple[int, str]] = set()
    for stmt in flat.statements:
        outcome = _dispatch(draft, stmt)
        for line in stmt.lines:
            old = draft.dispositions.get(line)
            if old is None or _RANK[outcome.disposition] > _RANK[old]:
                draft.dispositions[line] = outcome.disposition
        if outcome.disposition is Disposition.DIAGNOSED and (stmt.line, outcome.reason) not in seen:
            seen.add((stmt.line, outcome.reason))
            draft.diagnostics.append(
                Diagnostic(draft.source(stmt.line), outcome.kind, outcome.reason, outcome.relevant)
            )


def _dispatch(draft: Draft, stmt: Statement) -> Outcome:
    words = stmt.words
    if words and words[0] != "set" and words[0] != "config" and words[0] not in DEVICE_IGNORED:
        if words[0] in ("delete", "edit", "unset", "move", "rename"):
            relevant = len(words) < 2 or words[1] not in DEVICE_IGNORED
            return _unknown(f"'{words[0]}' commands are not replayed", relevant)
    kind, name, at = locate(words)
    rest = words[at:]
    if kind == "panorama":
        return _panorama(draft, stmt, rest)
    if kind == "device":
        return _device(draft, stmt, rest, at)
    if kind == VSYS and (name or "vsys1") != draft.vsys_name:
        draft.other_vsys.setdefault(name or "vsys1", draft.source(stmt.line))
        return _unsupported(f"vsys {name} is not modelled (only {draft.vsys_name} is)", True)
    return _scoped(draft, stmt, SHARED if kind == SHARED else VSYS, rest, at)


def _panorama(draft: Draft, stmt: Statement, rest: tuple[str, ...]) -> Outcome:
    draft.panorama.append(draft.source(stmt.line))
    if any(w in ("pre-rulebase", "post-rulebase") for w in rest[:3]):
        return _unsupported(
            "Panorama device-group rulebase: evaluated only on the firewalls it is pushed to", True
        )
    return IGNORED


# --- device level: interfaces, routes, hostname --------------------------------------------


def _device(draft: Draft, stmt: Statement, rest: tuple[str, ...], at: int) -> Outcome:
    if not rest:
        return IGNORED
    if rest[0] == "deviceconfig":
        if rest[1:3] == ("system", "hostname") and len(rest) == 4:
            draft.hostname = rest[3]
            return EXTRACTED
        return IGNORED
    if rest[0] == "network":
        return _network(draft, stmt, rest[1:])
    if rest[0] == "devices":
        return IGNORED  # an empty device list
    if rest[0] == "panorama" and any(w in ("pre-rulebase", "post-rulebase", "rulebase") for w in rest):
        draft.pushed.append(draft.source(stmt.line))
        return _unsupported("Panorama-pushed rulebase on the firewall: not evaluated", True)
    return IGNORED  # DEVICE_IGNORED


def _network(draft: Draft, stmt: Statement, rest: tuple[str, ...]) -> Outcome:
    if not rest:
        return IGNORED
    if rest[0] == "interface":
        return _interface(draft, stmt, rest[1:])
    if rest[0] in ("virtual-router", "logical-router"):
        return _router(draft, stmt, rest)
    if rest[0] in NETWORK_IGNORED:
        return IGNORED
    return _unknown(f"network {rest[0]}: not recognized")


def _interface(draft: Draft, stmt: Statement, rest: tuple[str, ...]) -> Outcome:
    if len(rest) < 2 or rest[0] not in _INTERFACE_TYPES:
        return IGNORED if len(rest) < 2 else _unknown(f"interface type {rest[0]}: not recognized")
    kind = rest[0]
    if kind in ("ethernet", "aggregate-ethernet"):
        base, tail = rest[1], rest[2:]
        if not tail or tail[0] != "layer3":
            return IGNORED  # layer2, virtual-wire, tap, ha, comment, link settings
        tail = tail[1:]
    else:
        base, tail = kind, rest[1:]
    name = base
    if tail[:1] == ("units",) and len(tail) >= 2:
        name, tail = tail[1], tail[2:]
    source = draft.source(stmt.line)
    if tail[:1] == ("ip",) and len(tail) >= 2:
        iface = draft.interfaces.setdefault(name, InterfaceDraft(name, source))
        address = tail[1]
        if address[:1].isdigit() and not _ipv4_interface(address):
            return _unknown(f"interface {name}: address {address} not understood")
        if "/" not in address:
            address += "/32"
        iface.addresses.append(address)
        return EXTRACTED
    if tail[:1] == ("dhcp-client",):
        iface = draft.interfaces.setdefault(name, InterfaceDraft(name, source))
        iface.dhcp = True
        return EXTRACTED
    if name != base or kind in ("ethernet", "aggregate-ethernet"):
        draft.interfaces.setdefault(name, InterfaceDraft(name, source))  # a layer-3 port, no address yet
    return IGNORED  # mtu, management profile, ipv6, tags, comments, ...


def _ipv4_interface(text: str) -> bool:
    try:
        ipaddress.IPv4Interface(text)
    except ValueError:
        return ":" in text  # IPv6: understood, and left out of the IPv4 model
    return True


def _router(draft: Draft, stmt: Statement, rest: tuple[str, ...]) -> Outcome:
    # virtual-router VR routing-table ip static-route R FIELD ...
    # logical-router LR vrf VRF routing-table ip static-route R FIELD ...
    tail = rest[2:]
    if rest[0] == "logical-router" and tail[:1] == ("vrf",):
        tail = tail[2:]
    if tail[:3] != ("routing-table", "ip", "static-route") or len(tail) < 5:
        return IGNORED  # membership, dynamic routing, ECMP, IPv6 routes, ...
    route, field = tail[3], tail[4:]
    key = f"{rest[1]}/{route}"
    pending = draft.route_fields.setdefault(key, {})
    if field[0] == "destination" and len(field) == 2:
        pending["destination"] = field[1]
        pending.setdefault("line", str(stmt.line))
    elif field[:2] == ("nexthop", "ip-address") and len(field) == 3:
        pending["nexthop"] = field[2]
    elif field[0] == "interface" and len(field) == 2:
        pending["interface"] = field[1]
    else:
        return IGNORED  # metric, admin distance, bfd, route table selection
    return EXTRACTED


def finish_routes(draft: Draft) -> None:
    """Turn the static routes gathered field by field into ``Route``s."""
    for pending in draft.route_fields.values():
        if "destination" not in pending:
            continue
        source = draft.source(int(pending["line"]))
        draft.routes.append(
            Route(pending["destination"], pending.get("interface"), pending.get("nexthop"), source)
        )


# --- vsys and shared: objects, zones, rulebases, ALG overrides -----------------------------


def _scoped(draft: Draft, stmt: Statement, scope: str, rest: tuple[str, ...], at: int) -> Outcome:
    if not rest:
        return IGNORED
    head, objects, source = rest[0], draft.objects[scope], draft.source(stmt.line)
    if len(rest) == 1:
        return IGNORED  # an empty container (<address/>)
    name = rest[1]
    if head == "address":
        obj = rest[2:]
        if len(obj) >= 2 and obj[0] in _ADDRESS_KINDS:
            objects.addresses[name] = AddressObject(obj[0], obj[1], source)
            return EXTRACTED
        return IGNORED if obj[:1] in (("description",), ("tag",), ()) else _unknown("address: not recognized")
    if head == "address-group":
        group = objects.address_groups.setdefault(name, AddressGroup(source))
        obj = rest[2:]
        if obj[:1] == ("static",):
            group.members.extend(obj[1:2])
            return EXTRACTED
        if obj[:2] == ("dynamic", "filter"):
            group.dynamic = " ".join(obj[2:]) or "?"
            return EXTRACTED
        return (
            IGNORED
            if obj[:1] in (("description",), ("tag",), ())
            else _unknown("address-group: not recognized")
        )
    if head == "service":
        svc = objects.services.setdefault(name, ServiceObject(source))
        obj = rest[2:]
        if obj[:1] == ("protocol",) and len(obj) >= 2:
            svc.protocol = obj[1]
            field = obj[2:]
            while len(field) >= 2 and field[0] in ("port", "source-port"):
                if field[0] == "port":
                    svc.ports, svc.source = field[1], source
                else:
                    svc.source_ports = field[1]
                field = field[2:]
            if field and field[0] != "override":
                return _unknown("service: not recognized", True)
            return EXTRACTED
        return IGNORED if obj[:1] in (("description",), ("tag",), ()) else _unknown("service: not recognized")
    if head == "service-group":
        entry = objects.service_groups.setdefault(name, (source, []))
        if rest[2:3] == ("members",):
            entry[1].extend(rest[3:4])
            return EXTRACTED
        return IGNORED if rest[2:3] in (("tag",), ()) else _unknown("service-group: not recognized")
    if head in ("application", "application-group", "application-filter"):
        objects.applications.add(name)
        return IGNORED
    if head == "zone" and scope == VSYS:
        return _zone(draft, rest, source)
    if head == "rulebase":
        return _rulebase(draft, stmt, rest, at, "local")
    if head in ("pre-rulebase", "post-rulebase"):
        draft.panorama.append(source)
        return _unsupported(f"{head} outside a device-group: Panorama policy is not modelled", True)
    if head == "alg-override":
        if rest[1] == "application" and len(rest) >= 4:
            app = rest[2]
            if rest[3] == "alg-disabled" and len(rest) == 5:
                draft.alg_overrides[app] = (rest[4] == "yes", source)
                return EXTRACTED
            return IGNORED  # other per-ALG options (timeouts)
        return _unknown("alg-override: not recognized", True)
    if head in SCOPE_IGNORED:
        return IGNORED
    return _unknown(f"{head}: not recognized")


def _zone(draft: Draft, rest: tuple[str, ...], source: Source) -> Outcome:
    zone = draft.zones.setdefault(rest[1], Zone(rest[1], source))
    tail = rest[2:]
    if tail[:1] != ("network",) or len(tail) < 2:
        return IGNORED  # user identification, ACLs for User-ID, device-id
    if tail[1] == "layer3":
        zone.members.extend(tail[2:3])
        return EXTRACTED
    if tail[1] in ("layer2", "virtual-wire", "tap", "tunnel", "external"):
        if len(tail) > 2:
            zone.other.append((tail[1], source))
            return _unsupported(f"zone {zone.name}: {tail[1]} zones are not modelled", True)
        return IGNORED
    return IGNORED  # zone protection profile, log setting, packet buffer protection


# Top-level fields of a rule: one set command may set several (``from trust to untrust``).
RULE_KEYS = {
    "security": frozenset(
        {"from", "to", "source", "destination", "source-user", "category", "application", "service"}
        | {"action", "disabled", "negate-source", "negate-destination", "rule-type", "schedule"}
        | {"source-hip", "destination-hip", "hip-profiles", "description", "tag", "log-start"}
        | {"log-end", "log-setting", "profile-setting", "option", "uuid", "qos", "target", "group-tag"}
    ),
    "nat": frozenset(
        {"from", "to", "source", "destination", "service", "to-interface", "source-translation"}
        | {"destination-translation", "dynamic-destination-translation", "disabled", "nat-type"}
        | {"description", "tag", "uuid", "target", "active-active-device-binding", "group-tag"}
    ),
}


def split_fields(words: tuple[str, ...], keys: frozenset[str]) -> list[tuple[str, ...]]:
    """Split ``from trust to untrust action allow`` into one piece per field.

    A key never starts a piece before the previous field has its value, so a value that
    happens to spell a key (``to service``) stays a value.
    """
    pieces: list[list[str]] = []
    for word in words:
        if not pieces or (word in keys and len(pieces[-1]) >= 2):
            pieces.append([word])
        else:
            pieces[-1].append(word)
    return [tuple(piece) for piece in pieces]


def _rulebase(draft: Draft, stmt: Statement, rest: tuple[str, ...], at: int, base: str) -> Outcome:
    kind = rest[1]
    source = draft.source(stmt.line)
    if kind in ("security", "nat") and len(rest) >= 4 and rest[2] == "rules":
        book = (draft.security if kind == "security" else draft.nat)[base]
        name = rest[3]
        rule = book.get(name)
        if rule is None:
            rule = book[name] = RuleDraft(name, draft.source(stmt.head(at + 3)))
        if len(rest) == 4:
            return EXTRACTED
        pieces = split_fields(rest[4:], RULE_KEYS[kind]) if draft.form == "set" else [rest[4:]]
        for piece in pieces:
            rule.fields.setdefault(piece[0], []).append((piece[1:], source))
        return EXTRACTED
    if kind == "default-security-rules" and len(rest) >= 6 and rest[2] == "rules":
        if rest[4] == "action":
            if rest[5] not in ("allow", "deny", "drop", "reset-client", "reset-server", "reset-both"):
                return _unknown(
                    f"{rest[3]}: action {rest[5]} not recognized (the predefined action stays)", True
                )
            draft.default_rules[rest[3]] = (rest[5], source)
            return EXTRACTED
        return IGNORED  # logging and profiles of the default rules
    if kind in RULEBASE_UNSUPPORTED:
        return _unsupported(RULEBASE_UNSUPPORTED[kind], True)
    if kind in RULEBASE_IGNORED:
        if kind == "application-override":
            draft.app_overrides.append(source)
        return IGNORED
    if len(rest) <= 3:
        return IGNORED  # empty rulebase containers
    return _unknown(f"rulebase {kind}: not recognized", True)
