"""Report queries count from the detainers' own histories, in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import EASTERN, T0

from liaison.adapters.store import SqlUnitOfWork
from liaison.detainers.model import Detainer, DetainerState, Transition

UoW = Callable[[], SqlUnitOfWork]
S = DetainerState


def _declined(n: int, ori: str, at_days: float, then: DetainerState | None = None) -> Detainer:
    at = T0 + timedelta(days=at_days)
    # a person of its own: one person holds at most one open detainer per agency
    d = builders.detainer(n, ori=ori, state=then or S.DECLINED, identity_id=n)
    d.history[2:] = [Transition(S.SERVED, S.DECLINED, at.astimezone(EASTERN), "jail", "policy")]
    if then is not None:
        d.history.append(Transition(S.DECLINED, then, at + timedelta(hours=1), "jail"))
    return d


def test_declines_are_counted_by_holding_agency_in_the_period_of_the_decline(
    new_uow: UoW,
) -> None:
    with new_uow() as uow:
        uow.detainers.add(_declined(1, "TX2270000", 0))
        uow.detainers.add(_declined(2, "TX2270000", 1, then=S.RELEASED))  # still counts
        uow.detainers.add(_declined(3, "CA0190000", 1.5))
        uow.detainers.add(_declined(4, "CA0190000", 3))
        uow.detainers.add(builders.detainer(5, ori="NY0000000"))  # honored, never declined
        uow.commit()
    with new_uow() as uow:
        r = uow.reports
        assert r.declined_by_agency(start=None, end=None) == [
            ("CA0190000", 2),
            ("TX2270000", 2),
        ]
        day1 = T0 + timedelta(days=1)
        assert r.declined_by_agency(start=day1, end=None) == [("CA0190000", 2), ("TX2270000", 1)]
        assert r.declined_by_agency(start=day1, end=T0 + timedelta(days=3)) == [
            ("CA0190000", 1),
            ("TX2270000", 1),
        ]
        assert r.declined_by_agency(start=None, end=T0) == []  # the end is excluded
        # The bounds are instants: the same moment in another offset selects the same rows.
        assert r.declined_by_agency(start=T0.astimezone(EASTERN), end=day1) == [("TX2270000", 1)]
