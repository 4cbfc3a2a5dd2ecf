"""cisco_nxos remediation facts: sequence numbers, static NAT lines to undo.

Turns a neutral plan into the values ``templates/remediation/cisco_nxos.j2`` renders:
permits (each run of one check's permits after a numbered ``remark``) get free sequence
numbers below the entry they must precede, after a renumbering when there is no room
(``seqacl``); a global ``ip nat inside|outside source static`` line that maps a required
port (or every port) is undone as written. The parser models the NX-OS NAT ALGs as absent
(none in Cisco's NX-OS NAT guides), so no feature switch is ever written.
"""

from __future__ import annotations

from typing import Any

from auditor.model import ConfigModel, Finding
from auditor.policy import PolicyPack
from auditor.remediation import seqacl
from auditor.remediation.plan import ChangeBuilders, FlowPlan, assemble_changes
from auditor.remediation.seqacl_text import NxosText

__all__ = ["acl_changes", "changes_for"]


def acl_changes(text: str, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
    """Return one change per access list that needs permits, with sequence numbers."""
    return seqacl.acl_changes(NxosText, text, plan, unresolved)


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    builders = ChangeBuilders(acl_changes, seqacl.feature_changes, seqacl.mapping_changes)
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
