"""Errors of the audit trail (see ``liaison.errors`` for the whole tree).

AuditError
└── AuditTrailBroken        verification found the chain edited, cut or reordered
"""

from __future__ import annotations

from liaison.audit.model import ChainBreak
from liaison.errors import LiaisonError

__all__ = ["AuditError", "AuditTrailBroken"]


class AuditError(LiaisonError):
    """Something about the audit trail went wrong."""


class AuditTrailBroken(AuditError):
    """The trail does not verify; ``breaks`` says where (seq) and what."""

    def __init__(self, breaks: list[ChainBreak]) -> None:
        first = breaks[0] if breaks else None
        where = f": first at seq {first.seq}: {first.problem}" if first else ""
        super().__init__(f"audit trail broken in {len(breaks)} place(s){where}")
        self.breaks = breaks
