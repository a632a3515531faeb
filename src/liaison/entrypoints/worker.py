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

MAX_ATTEMPTS = 10  # a job failing this often is given up (kept, with its error)
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
            job = uow.jobs.claim(
                worker=self.name,
                now=self.c.clock(),
                lease_seconds=self.c.settings.job_lease_seconds,
            )
        if job is None:
            return False
        try:
            self._run(job)
        except Exception as exc:
            log.exception("job %s (%s %s) failed", job.job_id, job.kind, job.key)
            # back off, and after MAX_ATTEMPTS leave the job failed for a person to look at
            retry = (
                self.c.clock() + timedelta(seconds=min(300, 5 * 2**job.attempts))
                if job.attempts < MAX_ATTEMPTS
                else None
            )
            with self.c.uow() as uow:
                uow.jobs.fail(job, error=f"{type(exc).__name__}: {exc}", retry_at=retry)
                uow.commit()
        return True

    def run(self, stop: threading.Event, *, idle_wait: float = 0.2) -> None:
        """Work until ``stop`` is set, sleeping ``idle_wait`` seconds when the queue is empty
        or the store cannot be reached (an error is logged, and the worker carries on)."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                # e.g. the database locked or restarting: a worker that stopped here would leave
                # every later booking unidentified and every 48-hour hold unchecked
                log.exception("worker %s could not take a job; trying again", self.name)
                busy = False
            if not busy:
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
                screening_engine=self.c.encounter_screening(),
            )
            uow.jobs.complete(job)
            uow.commit()

    def _lapse_check(self) -> None:
        """No one is held past 48 hours: lapse every honored detainer whose hold ran out."""
        now = self.c.clock()
        if now < self._next_lapse_check:
            return
        self._next_lapse_check = now + LAPSE_CHECK_EVERY
        try:
            lapsed = detainers.lapse_overdue(uow=self.c.uow(), now=now)
        except Exception:
            # a failed check must not stop the queue; the next one is LAPSE_CHECK_EVERY away
            log.exception("the 48-hour check failed; it runs again in %s", LAPSE_CHECK_EVERY)
            return
        if lapsed:
            log.info("lapsed %d detainers whose 48-hour hold ran out", len(lapsed))
