"""The booking worker: takes queued jobs and runs the scheduled 48-hour check.

A job's effect and its completion commit in one transaction; the search itself runs outside
any transaction, so a slow search never holds a database lock. A worker killed mid-job leaves
its lease to lapse, and the next worker redoes the job from the start: nothing half-done
was ever committed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from liaison.bookings import services as bookings
from liaison.bootstrap import Container
from liaison.detainers import services as detainers
from liaison.transaction import Job

__all__ = ["Worker"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
LAPSE_CHECK_EVERY = timedelta(seconds=30)


class Worker:
    def __init__(self, container: Container, *, name: str | None = None) -> None:
        self.c = container
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._next_lapse_check = container.clock()

    def run_once(self) -> bool:
        """Run one due job, if any; True when one ran (or failed and was put back)."""
        self._lapse_check()
        with self.c.uow() as uow:
            job = uow.jobs.claim(worker=self.name, now=self.c.clock(), lease_seconds=LEASE_SECONDS)
        if job is None:
            return False
        try:
            self._run(job)
        except Exception as exc:
            log.exception("job %s (%s %s) failed", job.job_id, job.kind, job.key)
            retry = self.c.clock() + timedelta(seconds=min(300, 5 * 2**job.attempts))
            with self.c.uow() as uow:
                uow.jobs.fail(job, error=f"{type(exc).__name__}: {exc}", retry_at=retry)
                uow.commit()
        return True

    def run(self, stop: threading.Event, *, idle_wait: float = 0.2) -> None:
        """Work until ``stop`` is set, sleeping ``idle_wait`` seconds when the queue is empty."""
        while not stop.is_set():
            if not self.run_once():
                stop.wait(idle_wait)

    def _run(self, job: Job) -> None:
        if job.kind != bookings.IDENTIFY:
            raise ValueError(f"unknown job kind {job.kind!r}")
        with self.c.uow() as uow:
            booking = uow.bookings.get(job.key)
        if booking is None:
            raise LookupError(f"job {job.job_id} names booking {job.key}, which does not exist")
        identification = bookings.search_booking(booking, self.c.search())
        with self.c.uow() as uow:
            bookings.identify_booking(
                uow=uow,
                booking_id=job.key,
                identification=identification,
                priority_table=self.c.priority_table,
                at=self.c.clock(),
            )
            uow.jobs.complete(job)
            uow.commit()

    def _lapse_check(self) -> None:
        """No one is held past 48 hours: lapse every honored detainer whose hold ran out."""
        now = self.c.clock()
        if now < self._next_lapse_check:
            return
        self._next_lapse_check = now + LAPSE_CHECK_EVERY
        lapsed = detainers.lapse_overdue(uow=self.c.uow(), now=now)
        if lapsed:
            log.info("lapsed %d detainers whose 48-hour hold ran out", len(lapsed))
