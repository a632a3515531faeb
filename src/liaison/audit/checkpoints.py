"""When the head of the trail is anchored outside the database, on its own.

After a commit that appended entries, a ``Checkpointer`` writes a signed checkpoint of the
last one when MACs begin (the first MACed entry, or the very first entry), when the commit
crossed a multiple of ``every`` seqs, or when this process wrote none for ``interval``.
``liaison audit checkpoint`` anchors the head on demand (``services.checkpoint``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from liaison.audit.model import AuditEntry, Checkpoint
from liaison.audit.ports import AuditAnchor, AuditKeys
from liaison.audit.seal import sign_checkpoint

__all__ = ["DEFAULT_EVERY", "DEFAULT_INTERVAL", "Checkpointer"]

DEFAULT_EVERY = 1000
DEFAULT_INTERVAL = timedelta(minutes=1)

log = logging.getLogger(__name__)


class Checkpointer:
    """Anchors the head after commits when due; one per process, shared by its threads."""

    def __init__(
        self,
        *,
        keys: AuditKeys,
        anchor: AuditAnchor,
        clock: Callable[[], datetime],
        every: int = DEFAULT_EVERY,
        interval: timedelta = DEFAULT_INTERVAL,
    ) -> None:
        if every < 1:
            raise ValueError("a checkpoint every 1 entry or more")
        self._keys = keys
        self._anchor = anchor
        self._clock = clock
        self._every = every
        self._interval = interval
        self._last_at: datetime | None = None
        self._lock = threading.Lock()

    def due(self, *, before: AuditEntry | None, first: AuditEntry, last: AuditEntry) -> bool:
        """Whether a commit that appended ``first``..``last`` after ``before`` is anchored."""
        began = first.mac is not None and (before is None or before.mac is None)
        crossed = last.seq // self._every > (first.seq - 1) // self._every
        idle = self._last_at is None or self._clock() - self._last_at >= self._interval
        return began or crossed or idle

    def committed(
        self, *, before: AuditEntry | None, first: AuditEntry, last: AuditEntry
    ) -> Checkpoint | None:
        """Anchor ``last`` if due; the checkpoint written, if any.

        Runs after the commit, so the entries are already kept: a failure to write the
        checkpoint is logged, never raised (the next due commit anchors a later head, and
        ``audit verify`` counts the entries since the last checkpoint).
        """
        with self._lock:
            if not self.due(before=before, first=first, last=last):
                return None
            try:
                checkpoint = sign_checkpoint(last, keys=self._keys, at=self._clock())
                self._anchor.append(checkpoint)
            except Exception:
                log.exception("could not write an audit checkpoint of seq %d", last.seq)
                return None
            self._last_at = checkpoint.at
            return checkpoint
