"""The biometric engine behind the bookings context's ``TenPrintSearch`` port."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from liaison.biometrics.identification import Identifier
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.bookings.model import Candidate, Decision, Identification

__all__ = ["EngineSearch"]


class EngineSearch:
    """Ten-print search on an ``Identifier``; candidates name identities by gallery subject."""

    def __init__(self, identifier: Identifier, clock: Callable[[], datetime]) -> None:
        self._identifier = identifier
        self._clock = clock

    def search(self, fingers: Mapping[FingerPosition, FingerTemplate]) -> Identification:
        result = self._identifier.identify(list(fingers.values()))
        thresholds = self._identifier.thresholds
        return Identification(
            decision=Decision(result.decision.value),
            candidates=tuple(
                Candidate(
                    identity_id=c.subject,
                    score=round(c.score, 6),
                    finger_scores={int(p): round(s, 6) for p, s in c.finger_scores.items()},
                )
                for c in result.candidates
            ),
            searched_at=self._clock(),
            thresholds=(thresholds.match, thresholds.possible),
        )
