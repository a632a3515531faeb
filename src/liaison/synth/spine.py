"""A small synthetic world for the booking spine: enrolled people with immigration histories,
jurisdictions with detainer policies, agencies, and the people who use the system.

Person ``i`` of seed ``s`` is the same in the gallery, in the identity repository and in every
booking made of them (``booking_fingers`` takes a fresh impression, never the enrolled one),
so results can be checked against ground truth.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from liaison.accounts import services as accounts
from liaison.biometrics import services as biometrics
from liaison.biometrics.benchmark import PROBE, enroll_synthetic, probe_fingers
from liaison.biometrics.identification import Thresholds
from liaison.biometrics.iso19794 import write_record
from liaison.bootstrap import Container, open_gallery, open_identifier
from liaison.identity import services as identity_services
from liaison.identity.model import EventKind, Identity, ImmigrationEvent, PersonName
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.model import DetainerPolicy, PolicyKind

__all__ = ["HISTORIES", "SpineWorld", "booking_body", "booking_fingers", "build_spine_world"]

ENROLL_BATCH = 2000  # identities per transaction when loading the repository

FAMILY = ("Garcia", "Nguyen", "Smith", "Hernandez", "Okafor", "Kowalski", "Haddad", "Chen")
GIVEN = ("Maria", "Juan", "Linh", "James", "Chinedu", "Anna", "Omar", "Wei")

# the immigration histories people are drawn from, in turn (person i gets HISTORIES[i % n])
HISTORIES: tuple[tuple[tuple[EventKind, int], ...], ...] = (
    ((EventKind.ENTERED_WITHOUT_INSPECTION, 2015),),
    ((EventKind.ADMITTED_NONIMMIGRANT, 2018),),  # admitted for a year: overstayed
    ((EventKind.ENTERED_WITHOUT_INSPECTION, 2012), (EventKind.FINAL_ORDER, 2019)),
    ((EventKind.LPR_GRANTED, 2010),),
    ((EventKind.LPR_GRANTED, 2005), (EventKind.NATURALIZED, 2012)),
    ((EventKind.ENTERED_WITHOUT_INSPECTION, 2016), (EventKind.PROCEEDINGS_INITIATED, 2021)),
)


@dataclass(frozen=True)
class SpineWorld:
    identities: int
    seed: int
    agencies: dict[str, PolicyKind]  # ORI -> the policy of its county
    passwords: dict[str, str]  # username -> password, for tests and demos only


def _history(i: int) -> list[ImmigrationEvent]:
    events = []
    for kind, year in HISTORIES[i % len(HISTORIES)]:
        until = date(year + 1, 1, 1) if kind is EventKind.ADMITTED_NONIMMIGRANT else None
        events.append(ImmigrationEvent(kind, date(year, 3, 1), until, "B2" if until else ""))
    return events


def _person(i: int, rng: np.random.Generator) -> Identity:
    return Identity(
        identity_id=i,
        names=[
            PersonName(FAMILY[int(rng.integers(len(FAMILY)))], GIVEN[int(rng.integers(len(GIVEN)))])
        ],
        birth_date=date(
            1960 + int(rng.integers(45)), 1 + int(rng.integers(12)), 1 + int(rng.integers(28))
        ),
        sex="MF"[int(rng.integers(2))],
        birth_country=("MX", "VN", "GT", "NG", "PL", "SY", "CN", "HN")[int(rng.integers(8))],
        events=_history(i),
        a_number=f"A{200_000_000 + i:09d}",
    )


# (ORI, name, county FIPS, policy of the county)
AGENCIES = (
    ("TX2270000", "Travis County Sheriff's Office", "48453", PolicyKind.HONOR_ALL),
    ("CA0380000", "San Francisco Sheriff's Department", "06075", PolicyKind.DECLINE_ALL),
    ("IL0160000", "Cook County Sheriff's Office", "17031", PolicyKind.JUDICIAL_WARRANT_ONLY),
    ("NY0300000", "New York City Department of Correction", "36061", PolicyKind.CRIMINAL_CRITERIA),
    ("OR0260000", "Multnomah County Sheriff's Office", "41051", PolicyKind.NOTIFY_ONLY),
)

USERS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("admin", ("admin",), None),
    ("officer", ("enforcement_officer",), None),
    ("manager", ("program_manager",), None),
    ("auditor", ("auditor",), None),
    ("analyst", ("screening_analyst",), None),
    ("jailer_tx", ("booking_officer",), "TX2270000"),
    ("jailer_ca", ("booking_officer",), "CA0380000"),
    ("adjudicator", ("adjudicator",), None),
    ("adjudicator2", ("adjudicator",), None),
    ("officer2", ("enforcement_officer",), None),
    ("officer_adj", ("enforcement_officer", "adjudicator"), None),
)


def build_spine_world(
    c: Container,
    *,
    identities: int,
    seed: int,
    calibration_probes: int = 200,
    progress: Callable[[str, int, int], None] | None = None,
) -> SpineWorld:
    """Enroll ``identities`` synthetic people (fingers and histories), calibrate the engine's
    thresholds on ten-print non-mates, and set up jurisdictions, agencies, policies and users."""
    cfg = c.settings
    at = datetime(2026, 1, 1, tzinfo=UTC)
    gallery = open_gallery(cfg, create=True)
    if gallery.rows == 0:
        enroll_synthetic(gallery, identities=identities, seed=seed, workers=cfg.worker_count)
    biometrics.calibrate_thresholds(
        identifier=open_identifier(cfg, thresholds=_provisional()),
        thresholds_file=cfg.thresholds_file,
        probes=calibration_probes,
        seed=seed,
        fpir_match=0.01,
        fpir_possible=0.05,
        shape=biometrics.ProbeShape.TEN_PRINT,
        progress=progress,
    )
    rng = np.random.default_rng(seed)
    with c.uow() as uow:
        known = uow.identities.count()
    people = [_person(i, rng) for i in range(identities)][known:]
    for start in range(0, len(people), ENROLL_BATCH):
        batch = people[start : start + ENROLL_BATCH]
        identity_services.enroll_identities(uow=c.uow(), identities=batch, actor="synth", at=at)
        if progress is not None:
            progress("identities", known + start + len(batch), identities)
    jurisdictions.load_reference(uow=c.uow(), at=at, actor="synth")
    for ori, name, fips, kind in AGENCIES:
        jurisdictions.register_agency(
            uow=c.uow(), ori=ori, name=name, jurisdiction_fips=fips, actor="synth", at=at
        )
        classes = ("homicide", "robbery") if kind is PolicyKind.CRIMINAL_CRITERIA else ()
        jurisdictions.enact_policy(
            uow=c.uow(),
            policy=DetainerPolicy(fips, kind, date(2017, 1, 1), classes),
            actor="synth",
            at=at,
        )
    passwords: dict[str, str] = {}
    for n, (username, roles, user_ori) in enumerate(USERS):
        passwords[username] = f"synthetic pass phrase {n}"  # never the username (policy)
        accounts.add_user(
            uow=c.uow(),
            username=username,
            password=passwords[username],
            roles=roles,
            ori=user_ori,
            actor="synth",
            at=at,
        )
    return SpineWorld(identities, seed, {a[0]: a[3] for a in AGENCIES}, passwords)


def _provisional() -> Thresholds:
    """Placeholder thresholds for the identifier calibration runs on (it decides nothing)."""
    return Thresholds(match=1.0, possible=1.0)


def booking_fingers(seed: int, identity: int, capture: int = 0) -> dict[int, bytes]:
    """Ten ISO 19794-2 records of a fresh impression of person ``identity`` (``capture``
    picks which impression; never the enrolled one)."""
    fingers = probe_fingers(seed, identity, PROBE + 1 + capture)
    return {int(f.position): write_record([f]) for f in fingers}


def booking_body(
    *,
    seed: int,
    identity: int,
    tcn: str,
    ori: str,
    arrested_at: datetime,
    capture: int = 0,
    ncic_code: str = "1313",
) -> dict[str, object]:
    """A booking as a jail sends it to ``POST /bookings`` (JSON-ready)."""
    return {
        "tcn": tcn,
        "ori": ori,
        "booking_number": f"B{tcn}",
        "arrested_at": arrested_at.isoformat(),
        "scheduled_release": (arrested_at + timedelta(days=2)).isoformat(),
        "biographics": {
            "family_name": FAMILY[identity % len(FAMILY)],
            "given_name": GIVEN[identity % len(GIVEN)],
            "birth_date": "1980-01-01",
            "sex": "M",
            "birth_place": "MX",
            "claimed_citizenship": "MX",
        },
        "charges": [{"ncic_code": ncic_code, "literal": "simple assault", "felony": False}],
        "fingerprints": {
            str(p): base64.b64encode(r).decode()
            for p, r in booking_fingers(seed, identity, capture).items()
        },
    }
