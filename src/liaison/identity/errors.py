"""Errors of the identity context (see ``liaison.errors`` for the whole tree).

LiaisonError
└── IdentityError                   liaison.identity.errors
    ├── UnknownIdentity             no identity with that number
    ├── DuplicateIdentity           an identity with that number is already enrolled
    ├── UnknownOffenseCode          an NCIC offense code is malformed or in no known class
    ├── PriorityTableError          an offense-class or priority table file is unusable
    └── InvalidCitizenshipRuling    a citizenship ruling that cannot be recorded as asked
"""

from liaison.errors import LiaisonError

# The leaves are named for the fact they report (cf. cosmicpython's ``InvalidSku``), so N818's
# "Error" suffix is waived for them; the branch root keeps it.

__all__ = [
    "DuplicateIdentity",
    "IdentityError",
    "InvalidCitizenshipRuling",
    "PriorityTableError",
    "UnknownIdentity",
    "UnknownOffenseCode",
]


class IdentityError(LiaisonError):
    """Something about an identity, its history or its classification tables went wrong."""


class UnknownIdentity(IdentityError):
    """No identity with the given number is in the repository."""

    def __init__(self, identity_id: int) -> None:
        super().__init__(f"no identity {identity_id}")
        self.identity_id = identity_id


class DuplicateIdentity(IdentityError):
    """An identity with the given number is already enrolled."""

    def __init__(self, identity_id: int) -> None:
        super().__init__(f"identity {identity_id} is already enrolled")
        self.identity_id = identity_id


class UnknownOffenseCode(IdentityError):
    """An NCIC offense code is not four digits, or falls in no class of the offense table."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"NCIC offense code {code!r}: {reason}")
        self.code = code


class PriorityTableError(IdentityError):
    """A table file (offense classes or enforcement priority) cannot be used; names the file."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source


class InvalidCitizenshipRuling(IdentityError):
    """A citizenship ruling that cannot be recorded as asked (the message says why)."""
