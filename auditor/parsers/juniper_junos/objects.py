"""Address books and applications resolved into exact packet sets (or bounds when inexact).

Part of the juniper_junos parser (parse stage). Facts (Junos security policy and address
book references; VENDORS.md §3.1 [S26]):
- an address is a prefix (``address N 17.0.0.0/8``), a ``range-address A to B``, a
  ``wildcard-address A/MASK`` or a ``dns-name`` (resolved at run time: inexact);
  ``address-set`` nests addresses and sets; ``any`` and ``any-ipv4`` are every IPv4
  address, ``any-ipv6`` none of them (the audited flows are IPv4);
- a policy in ``from-zone A to-zone B`` looks a source name up in A's address book and a
  destination name in B's; a book is a zone's own ``address-book``, a named book attached to
  the zone, or the ``global`` book (global policies see the global book only);
- an application is a protocol with optional destination and source port ranges, or a set
  of ``term``s; ``application-set`` nests; ``any`` is every packet; ``junos-*`` names are
  the predefined applications (``tables.APPLICATIONS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from auditor.flowspace import (
    ANY_CUBE,
    Cube,
    FlowSpace,
    Interval,
    cube_from_mask,
    cubes_from_range,
)
from auditor.model import Diagnostic, DiagnosticKind, Source
from auditor.parsers.juniper_junos.draft import Draft, Entry
from auditor.parsers.juniper_junos.statements import Statement, words_after
from auditor.parsers.juniper_junos.tables import APPLICATIONS, ICMP, ICMP_ONLY
from auditor.parsers.juniper_junos.values import IPV6, port_range, prefix_cube, protocol_number, service_space

ANY_ADDRESS = ("any", "any-ipv4")


@dataclass(frozen=True, slots=True)
class Match:
    """What a name matches: an exact set, or (``exact`` None) a superset ``bound``."""

    exact: FlowSpace | None
    bound: FlowSpace

    @classmethod
    def of(cls, space: FlowSpace) -> Match:
        """An exact match of ``space``."""
        return cls(space, space)


UNKNOWN = Match(None, FlowSpace.everything())


@dataclass(slots=True)
class Resolver:
    """Resolves names for one file, reporting each problem once."""

    d: Draft
    reported: set[tuple[int, str]] = field(default_factory=set)
    books: dict[str | None, list[str]] = field(default_factory=dict)  # zone -> books_for(zone)

    def problem(self, st: Statement | Source, reason: str) -> None:
        """Report a reference that cannot be resolved (once per line and reason)."""
        line = st.line
        if (line, reason) in self.reported:
            return
        self.reported.add((line, reason))
        if isinstance(st, Statement):
            self.d.diagnose(st, DiagnosticKind.UNRECOGNIZED, reason, True)
        else:
            self.d.diagnostics.append(Diagnostic(st, DiagnosticKind.UNRECOGNIZED, reason, True))

    # --- addresses ---------------------------------------------------------------------

    def books_for(self, zone: str | None) -> list[str]:
        """The address books a policy side looks names up in, most specific first.

        Asked once per policy side, after every statement is read: kept per zone.
        """
        books = self.books.get(zone)
        if books is None:
            if zone is None:
                books = ["global"]
            else:
                named = [b for b, zones in self.d.book_zones.items() if zone in zones]
                books = [f"zone:{zone}", *named, "global"]
            self.books[zone] = books
        return books

    def _find(self, kind: str, name: str, books: list[str]) -> tuple[Entry, str] | None:
        for book in books:
            entry = self.d.books.get(book, {}).get(f"{kind} {name}")
            if entry is not None:
                return entry, book
        return None

    def known_address(self, name: str, books: list[str], used_at: Statement) -> None:
        """Report ``name`` when no book defines it (without resolving its members)."""
        if name in (*ANY_ADDRESS, "any-ipv6"):
            return
        if self._find("address", name, books) is None and self._find("address-set", name, books) is None:
            self.problem(used_at, f"address {name} is not defined in the address book ({', '.join(books)})")

    def addresses(
        self, name: str, books: list[str], used_at: Statement, stack: tuple[str, ...] = ()
    ) -> tuple[list[Cube], bool]:
        """Cubes of an address or address-set name, and whether that is exact."""
        if name in ANY_ADDRESS:
            return [ANY_CUBE], True
        if name == "any-ipv6":
            return [], True
        found = self._find("address", name, books)
        if found is not None:
            return self._address(found[0])
        found = self._find("address-set", name, books)
        if found is None:
            self.problem(used_at, f"address {name} is not defined in the address book ({', '.join(books)})")
            return [], False
        if name in stack:
            self.problem(used_at, f"address-set {name} contains itself")
            return [], False
        cubes: list[Cube] = []
        exact = True
        for st in found[0].statements:
            tail = _tail(st, "address-set", name)
            if len(tail) == 2 and tail[0] in ("address", "address-set"):
                got, ok = self.addresses(tail[1], books, st, (*stack, name))
                cubes += got
                exact = exact and ok
            elif tail[:1] != ("description",):
                self.problem(st, "address-set member not understood")
                exact = False
        return cubes, exact

    def plain_address(self, name: str, books: list[str]) -> tuple[Cube, ...] | None:
        """The cubes of an ``address`` element read without a problem (else None, reporting nothing)."""
        found = self._find("address", name, books)
        if found is None:
            return None
        entry = found[0]
        element = entry.name.split(" ", 1)[1]
        if len(entry.statements) == 1:  # most elements: one prefix, read here as _address_value would
            tail = words_after(entry.statements[0].words, "address", element)
            if len(tail) == 1 and tail[0] != "description":
                cube = prefix_cube(tail[0])
                if cube == IPV6:
                    return ()
                return None if cube is None or isinstance(cube, str) else (cube,)
        cubes, _, problems = _address_value(
            tuple([words_after(st.words, "address", element) for st in entry.statements])
        )
        return None if problems else cubes

    def _address(self, entry: Entry) -> tuple[list[Cube], bool]:
        name = entry.name.split(" ", 1)[1]
        cubes, exact, problems = _address_value(
            tuple([words_after(st.words, "address", name) for st in entry.statements])
        )
        for index, reason in problems:
            self.problem(entry.statements[index], reason)
        return list(cubes), exact

    # --- applications ------------------------------------------------------------------

    def application(self, name: str, used_at: Statement, stack: tuple[str, ...] = ()) -> Match:
        """The packets an application or application-set name matches."""
        if name == "any":
            return Match.of(FlowSpace.everything())
        if name in self.d.applications:
            return self._custom(self.d.applications[name])
        if name in self.d.application_sets:
            if name in stack:
                self.problem(used_at, f"application-set {name} contains itself")
                return UNKNOWN
            return self._set(self.d.application_sets[name], (*stack, name))
        if name in APPLICATIONS:
            return _predefined(name)
        if name in ICMP_ONLY:
            return Match(None, FlowSpace.build(protocols=[(ICMP, ICMP), (58, 58)]))
        self.problem(
            used_at, f"application {name} is not defined and not a predefined application known here"
        )
        return UNKNOWN

    def plain_application(self, name: str) -> FlowSpace | None:
        """What ``application`` says a name matches, when exact without a set or a problem.

        None (reporting nothing) sends the caller to ``application``.
        """
        if name == "any":
            return FlowSpace.everything()
        entry = self.d.applications.get(name)
        if entry is not None:
            match, problems = _custom_value(
                tuple([words_after(st.words, "application", name) for st in entry.statements])
            )
            return None if problems else match.exact
        if name in self.d.application_sets:
            return None
        if name in APPLICATIONS:
            return _predefined(name).exact
        return None

    def _set(self, entry: Entry, stack: tuple[str, ...]) -> Match:
        exact: FlowSpace | None = FlowSpace()
        bound = FlowSpace()
        for st in entry.statements:
            tail = _tail(st, "application-set", entry.name)
            if len(tail) == 2 and tail[0] in ("application", "application-set"):
                got = self.application(tail[1], st, stack)
            elif tail[:1] == ("description",):
                continue
            else:
                self.problem(st, "application-set member not understood")
                got = UNKNOWN
            bound = bound | got.bound
            exact = None if exact is None or got.exact is None else exact | got.exact
        return Match(exact, bound)

    def _custom(self, entry: Entry) -> Match:
        name = entry.name
        match, problems = _custom_value(
            tuple([words_after(st.words, "application", name) for st in entry.statements])
        )
        for index, reason in problems:
            self.problem(entry.statements[index], reason)
        return match


@lru_cache(maxsize=128)  # the table has fewer names
def _predefined(name: str) -> Match:
    """What a predefined ``junos-*`` application matches."""
    space = FlowSpace()
    for proto, lo, hi in APPLICATIONS[name]:
        ports = None if proto not in (6, 17) else [(lo, hi)]
        space = space | FlowSpace.build(protocols=[(proto, proto)], dport=ports)
    return Match.of(space)


# What an element reports: (index of the statement in its entry, reason), in reading order.
Problems = tuple[tuple[int, str], ...]


@lru_cache(maxsize=4096)
def _address_value(tails: tuple[tuple[str, ...], ...]) -> tuple[tuple[Cube, ...], bool, Problems]:
    """The cubes of an ``address`` element, whether exact, and its problems.

    ``tails`` are the words after ``address NAME`` in each of its statements. Pure in them
    (the proof parses the same elements again; other devices hold the same values under other
    names), so the caller reports the problems against its own statements.
    """
    cubes: list[Cube] = []
    problems: list[tuple[int, str]] = []
    for index, tail in enumerate(tails):
        if not tail or tail[0] == "description":
            continue
        if len(tail) == 1:
            cube = prefix_cube(tail[0])
            if cube == IPV6:
                continue
            if cube is None or isinstance(cube, str):
                problems.append((index, "address value not understood"))
                continue
            cubes.append(cube)
        elif tail[0] == "range-address" and len(tail) == 4 and tail[2] == "to":
            try:
                cubes += cubes_from_range(tail[1], tail[3])
            except ValueError:
                if ":" not in tail[1]:
                    problems.append((index, "address range not understood"))
        elif tail[0] == "wildcard-address" and len(tail) == 2 and "/" in tail[1]:
            address, _, mask = tail[1].partition("/")
            try:
                cubes.append(cube_from_mask(address, mask))
            except ValueError:
                problems.append((index, "wildcard address not understood"))
        elif tail[0] == "dns-name":
            problems.append((index, "dns-name addresses resolve at run time: what they match is unknown"))
        else:
            problems.append((index, "address form not understood"))
    return tuple(cubes), not problems, tuple(problems)


@lru_cache(maxsize=4096)
def _custom_value(tails: tuple[tuple[str, ...], ...]) -> tuple[Match, Problems]:
    """What a custom ``application`` matches, and its problems.

    ``tails`` are the words after ``application NAME`` in each of its statements; pure in
    them, like ``_address_value`` (applications of the same protocol and ports repeat across
    devices under other names).
    """
    terms: dict[str, list[tuple[str, str, int]]] = {}
    for index, tail in enumerate(tails):
        term = ""
        if len(tail) >= 2 and tail[0] == "term":
            term, tail = tail[1], tail[2:]
        pairs = terms.setdefault(term, [])
        for i in range(0, len(tail) - 1, 2):
            pairs.append((tail[i], tail[i + 1], index))
        if len(tail) % 2:
            pairs.append((tail[-1], "", index))
    problems: list[tuple[int, str]] = []
    if len(terms) == 1:  # most applications: the union below of one term's match is that match
        (pairs,) = terms.values()
        return _term(pairs, problems), tuple(problems)
    exact: FlowSpace | None = FlowSpace()
    bound = FlowSpace()
    for pairs in terms.values():
        got = _term(pairs, problems)
        bound = bound | got.bound
        exact = None if exact is None or got.exact is None else exact | got.exact
    return Match(exact, bound), tuple(problems)


def _term(pairs: list[tuple[str, str, int]], problems: list[tuple[int, str]]) -> Match:
    protocols: list[Interval] | None = None
    dport: list[Interval] | None = None
    sport: list[Interval] | None = None
    inexact = False
    for key, value, index in pairs:
        if key == "protocol":
            number = protocol_number(value)
            if number is None:
                problems.append((index, f"protocol {value} not understood"))
                inexact = True
            else:
                protocols = [(number, number)]
        elif key in ("destination-port", "source-port"):
            ports = port_range(value)
            if ports is None:
                problems.append((index, f"port {value} not understood"))
                inexact = True
            elif key == "destination-port":
                dport = [ports]
            else:
                sport = [ports]
        elif key in ("icmp-type", "icmp-code", "icmp6-type", "icmp6-code", "rpc-program-number", "uuid",
                     "ether-type"):  # fmt: skip
            inexact = True  # a narrower match than the protocol: bounded by it
        elif key not in (
            "inactivity-timeout",
            "description",
            "application-protocol",
            "alg",
            "do-not-translate",
        ):
            problems.append((index, f"application attribute {key} not understood"))
            inexact = True
    if protocols is None and (dport is not None or sport is not None):
        protocols = [(6, 6), (17, 17)]
    space = service_space(protocols, sport, dport)
    if inexact:
        return Match(None, FlowSpace.build(protocols=protocols) if protocols else FlowSpace.everything())
    return Match.of(space)


def _tail(st: Statement, kind: str, name: str) -> tuple[str, ...]:
    """The words after ``kind name`` in a statement (the element's own attributes)."""
    return words_after(st.words, kind, name)
