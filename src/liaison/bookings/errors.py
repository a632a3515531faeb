"""Errors of booking submission and review (see ``liaison.errors`` for the whole tree)."""

from liaison.errors import LiaisonError

__all__ = [
    "BookingError",
    "DuplicateTcn",
    "InvalidBooking",
    "NotReviewable",
    "OutsideAgency",
    "UnknownBooking",
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
