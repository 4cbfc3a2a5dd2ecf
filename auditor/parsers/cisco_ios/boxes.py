"""One entry's packets as one box, without the general product of ``FlowSpace.build``.

Shared by the Cisco-style parsers (IOS here, ASA): most entries name one protocol, one
address operand per side and one port range per side, and ``build`` of one atom per field is
one box of those atoms. Anything else goes to ``build`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.flowspace import ANY_CUBE, STATE_MAX, Cube, FlowSpace, Interval

_ANY_PROTOCOL: Interval = (0, 255)
_ANY_PORT: Interval = (0, 65535)
_ANY_STATE: Interval = (0, STATE_MAX)


def match_space(
    protocols: Sequence[Interval] | None,
    src: Sequence[Cube] | None,
    dst: Sequence[Cube] | None,
    sport: Sequence[Interval] | None,
    dport: Sequence[Interval] | None,
    state: Sequence[Interval] | None = None,
) -> FlowSpace:
    """Return ``FlowSpace.build`` of the fields; one box built directly when each is one atom.

    ``build`` turns None into the full range and one non-empty interval or one cube into
    itself, so the single box is exactly what it returns.
    """
    if (
        (protocols is None or (len(protocols) == 1 and protocols[0][0] <= protocols[0][1]))
        and (src is None or len(src) == 1)
        and (dst is None or len(dst) == 1)
        and (sport is None or (len(sport) == 1 and sport[0][0] <= sport[0][1]))
        and (dport is None or (len(dport) == 1 and dport[0][0] <= dport[0][1]))
        and (state is None or (len(state) == 1 and state[0][0] <= state[0][1]))
    ):
        return FlowSpace(
            (
                (
                    _ANY_PROTOCOL if protocols is None else protocols[0],
                    ANY_CUBE if src is None else src[0],
                    ANY_CUBE if dst is None else dst[0],
                    _ANY_PORT if sport is None else sport[0],
                    _ANY_PORT if dport is None else dport[0],
                    _ANY_STATE if state is None else state[0],
                ),
            )
        )
    return FlowSpace.build(protocols=protocols, src=src, dst=dst, sport=sport, dport=dport, state=state)


__all__ = ["match_space"]
