"""Errors of booking submission and review (see ``liaison.errors`` for the whole tree)."""

from liaison.errors import LiaisonError

__all__ = [
    "AdjudicationError",
    "AdjudicatorConflict",
    "BookingError",
    "DuplicateTcn",
    "InvalidBooking",
    "NotAnAdjudicator",
    "NotReviewable",
    "OutsideAgency",
    "ReferralNotOpen",
    "UnknownBooking",
    "UnknownReferral",
    "WrongAgency",
]


class BookingError(LiaisonError):
    """A booking cannot be taken, found or reviewed as asked."""


class InvalidBooking(BookingError):
    """The submission is malformed: no fingerprints, an unreadable template, a bad field."""


class DuplicateTcn(BookingError):
    """The TCN was already used for a submission with a different body."""


class UnknownBooking(BookingError):
    """No booking has that id (or TCN)."""


class OutsideAgency(BookingError):
    """The booking belongs to another agency than the one asking."""


class WrongAgency(BookingError):
    """A jail submitted a booking in another agency's name."""


class NotReviewable(BookingError):
    """The booking is not at a point where the asked review can be recorded."""


class AdjudicationError(BookingError):
    """A citizenship referral, ruling or concurrence cannot be recorded as asked."""


class UnknownReferral(AdjudicationError):
    """No citizenship referral has that id."""

    def __init__(self, referral_id: str) -> None:
        super().__init__(f"no citizenship referral {referral_id!r}")
        self.referral_id = referral_id


class ReferralNotOpen(AdjudicationError):
    """The referral is not in the state the step needs (a ruling, or a concurrence)."""


class NotAnAdjudicator(AdjudicationError):
    """Only an account holding the adjudicator role rules or concurs on citizenship."""

    def __init__(self, who: str) -> None:
        super().__init__(
            f"separation of duties: {who} does not hold the adjudicator role; only an "
            "adjudicator rules or concurs on a citizenship referral"
        )
        self.who = who


class AdjudicatorConflict(AdjudicationError):
    """Separation of duties: nobody rules on a referral they made, on a person they verified
    or lodged on, or concurs in their own ruling."""

    def __init__(self, who: str, why: str) -> None:
        super().__init__(f"separation of duties: {who} may not adjudicate this referral: {why}")
        self.who = who
