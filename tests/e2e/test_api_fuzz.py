"""The API fuzzed against its own OpenAPI document (issue 19): schemathesis draws requests for
every operation the document names, and each request is sent as no one, as each role, as a
jail system's key and (when the draw made some) with the credentials it made up. Over real
HTTP, on SQLite and on PostgreSQL, no answer may be a server error (5xx) and every answer
must be one the document declares: its status, media type, headers and body schema.

A fuzzed server is a world of its own (``fuzzed``), not the session's shared one: the fuzz
creates, rules on and cancels records, which other tests' counts must not see. Inside it:

- path parameters are drawn half the time from the ids the world holds (harvested from every
  list and every answer so far), so reads and writes reach real records and their 200 bodies
  are checked too, not only the 404s a random id gets;
- writes never touch the accounts the fuzz signs in with (a drawn ``username`` or ``key_id``
  naming one is swapped for a throwaway made for the purpose), and ``POST /auth/token``, whose
  failures would lock accounts and trip the per-source limit, runs last;
- a list that answers CSV is asked for it once a draw.

``EXAMPLES`` draws per operation and generation mode (positive: as documented; negative:
each violating the document somewhere) keep ``make test`` short; the slow test draws more.
The figures (requests by principal, 5xx, mismatches) are printed and recorded as the test's
``fuzz`` property.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import hypothesis.errors
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.serialization import serialize_binary

from liaison import bootstrap
from liaison.settings import Settings
from liaison.synth.spine import booking_body, build_spine_world

from .conftest import Running, _serve

EXAMPLES: Final = 3  # per operation and generation mode, in make test
SLOW_EXAMPLES: Final = 25
TRAVIS: Final = "TX2270000"
# the signed-in principals: a label and the spine user (role) behind it
ROLES: Final = {
    "admin": "admin",
    "officer": "officer",  # enforcement_officer
    "manager": "manager",  # program_manager
    "auditor": "auditor",
    "analyst": "analyst",  # screening_analyst
    "adjudicator": "adjudicator",
    "jailer_tx": "jailer_tx",  # booking_officer at Travis County
}
NO_ONE: Final = "no one"
JAIL_KEY: Final = "jail key"
FORGED: Final = "made-up credentials"
CSV: Final = "text/csv"
CREDENTIALS: Final = frozenset({"authorization", "x-api-key"})
LOGON: Final = "/auth/token"
THROWAWAY_USER: Final = "fuzz.throwaway"
ARRESTED: Final = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# records for the fuzz to find (its own draws seldom make one): who writes each, where, what
RECORDS: Final[list[tuple[str, str, dict[str, Any]]]] = [
    (
        "manager",
        "/operations/declarations",
        {
            "declaration_id": "FUZZ-DECL",
            "kind": "mass_influx",
            "authority": "INA 103(a)(10); 28 CFR 65.83",
            "states": ["TX"],
            "issued_at": "2025-06-01T12:00:00Z",
        },
    ),
    (
        "manager",
        "/operations/deployments",
        {
            "deployment_id": "FUZZ-DEPLOY",
            "agency": "CBP",
            "unit": "BORTAC",
            "destinations": {"48453": 20},
            "start": "2025-06-01",
            "end": "2025-06-30",
        },
    ),
    (
        "manager",
        "/operations/targets",
        {
            "target_id": "FUZZ-TARGET",
            "metric": "arrests",
            "jurisdictions": ["48453"],
            "start": "2025-06-01",
            "end": "2025-06-30",
            "baseline_start": "2025-05-01",
            "baseline_end": "2025-05-31",
            "goal_percent": 10,
        },
    ),
    (
        "manager",
        "/operations/facilities",
        {"facility_id": "FUZZ-FAC", "name": "annex", "jurisdiction_fips": "48453", "beds": 10},
    ),
    (
        "manager",
        "/operations/agreements",
        {
            "agreement_id": "FUZZ-287G",
            "agency_name": "Travis County Sheriff",
            "state": "TX",
            "model": "warrant_service_officer",
            "signed_on": "2025-03-01",
            "expires_on": "2027-02-28",
        },
    ),
]
CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/x-an2")
def _an2(_ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """An ANSI/NIST-ITL body goes as the bytes drawn for it."""
    return serialize_binary(value)


@dataclass
class Tally:
    """What one fuzz sent and what came back."""

    requests: Counter[str] = field(default_factory=Counter)  # by principal
    as_csv: int = 0  # of them, asked for CSV
    refused_signed_in: list[str] = field(default_factory=list)  # 401s to a valid principal
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    operations: int = 0
    cases: int = 0
    seconds: float = 0.0

    def summary(self, store: str) -> dict[str, Any]:
        return {
            "store": store,
            "operations": self.operations,
            "cases": self.cases,
            "requests": sum(self.requests.values()),
            "requests_by_principal": dict(self.requests),
            "requests_for_csv": self.as_csv,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": len(self.server_errors),
            "schema_mismatches": len(self.mismatches),
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class Fuzzed:
    """A served world for the fuzz, with the throwaways its writes may spend."""

    store: str
    running: Running
    throwaway_user: str
    throwaway_key_id: str
    made: tuple[Any, ...]  # the bodies of the records made for it


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """A small spine world of the fuzz's own, served over HTTP with its worker, holding a
    record of each kind for the fuzz to find."""
    data_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    else:
        url = f"sqlite:///{data_dir / 'liaison.db'}"
    container = bootstrap.container(Settings(data_dir=data_dir, database_url=url, workers=1))
    world = build_spine_world(container, identities=12, seed=5, calibration_probes=12)
    container.search()
    for running in _serve(container, world):
        with requests.Session() as http:
            made = _records(running, http)
            key_id = _throwaways(running, http)
        yield Fuzzed(request.param, running, THROWAWAY_USER, key_id, made)


def _throwaways(running: Running, http: requests.Session) -> str:
    """A user and a key that the fuzz's writes may disable, re-password and revoke."""
    admin = running.token("admin")
    body = {"username": THROWAWAY_USER, "password": "a throwaway pass phrase"}
    made = http.post(
        f"{running.base_url}/users", json={**body, "roles": ["auditor"]}, headers=admin
    )
    assert made.status_code == 201, made.text
    key = http.post(
        f"{running.base_url}/api-keys", json={"ori": TRAVIS, "label": "fuzz"}, headers=admin
    )
    assert key.status_code == 201, key.text
    key_id: str = key.json()["key"].split("_")[1]
    return key_id


def _records(running: Running, http: requests.Session) -> tuple[Any, ...]:
    """A record of each kind the operations keep, two bookings (one left for review) and a
    detainer lodged on the other; the bodies of the answers."""
    made = []
    for user, path, body in RECORDS:
        r = http.post(f"{running.base_url}{path}", json=body, headers=running.token(user))
        assert r.status_code == 201, (path, r.text)
        made.append(r.json())
    jail = running.jail(TRAVIS)
    booked = []
    for identity in (6, 3):
        body = booking_body(
            seed=5, identity=identity, tcn=f"FUZZ-{identity}", ori=TRAVIS, arrested_at=ARRESTED
        )
        r = http.post(f"{running.base_url}/bookings", json=body, headers=jail)
        assert r.status_code == 202, r.text
        booked.append(r.json()["booking_id"])
    for booking_id in booked:
        running.wait_for_response(booking_id, jail)
    review = {
        "action": "lodge_detainer",
        "verified_identity_id": 6,
        "reason": "ten-print match verified; no lawful status on record",
        "basis": "biometric_no_lawful_status",
        "warrant_ref": "I-200-2026-000117",
    }
    r = http.post(
        f"{running.base_url}/bookings/{booked[0]}/review",
        json=review,
        headers=running.token("officer"),
    )
    assert r.status_code == 200, r.text
    return (*made, r.json())


class Fuzz:
    """Draws cases for each operation and sends each one as every principal."""

    def __init__(self, fuzzed: Fuzzed, examples: int) -> None:
        running = fuzzed.running
        self.base_url = running.base_url
        self.examples = examples
        self.http = requests.Session()
        self.tally = Tally()
        self.principals: dict[str, dict[str, str]] = {NO_ONE: {}}
        for label, user in ROLES.items():
            self.principals[label] = running.token(user)
        self.principals[JAIL_KEY] = running.jail(TRAVIS)
        # what the fuzz must not disable, re-password or revoke: whom it signs in as
        self.kept_users = frozenset(running.world.passwords)
        self.kept_keys = frozenset(key.split("_")[1] for key in running.jail_keys.values())
        self.throwaway_user = fuzzed.throwaway_user
        self.throwaway_key = fuzzed.throwaway_key_id
        self.made = fuzzed.made
        self.ids: dict[str, list[Any]] = {}  # values of path parameters, by name
        self.schema = schemathesis.openapi.from_url(f"{self.base_url}/openapi.json")
        self.path_names = {
            p.name
            for result in self.schema.get_all_operations()
            for p in result.ok().path_parameters
        }

    # ---- ids the world holds ------------------------------------------------------------

    def _harvest(self, body: Any) -> None:
        """Keep every value found under a key named like a path parameter."""
        stack = [body]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                for key, value in item.items():
                    if key in self.path_names and isinstance(value, str | int):
                        pool = self.ids.setdefault(key, [])
                        if value not in pool and not isinstance(value, bool):
                            pool.append(value)
                    else:
                        stack.append(value)

    def harvest_lists(self) -> None:
        """Read every list as every principal, for the ids it shows."""
        for result in self.schema.get_all_operations():
            op = result.ok()
            if op.method.upper() != "GET" or op.path_parameters or op.path == "/health":
                continue
            for headers in self.principals.values():
                r = self.http.get(f"{self.base_url}{op.path}", headers=headers)
                if r.status_code == 200 and "json" in r.headers.get("content-type", ""):
                    self._harvest(r.json())

    # ---- drawing and sending ----------------------------------------------------------

    def _strategy(self, op: Any, mode: GenerationMode) -> st.SearchStrategy[Case]:
        drawn = op.as_strategy(generation_mode=mode)
        names = [p.name for p in op.path_parameters if self.ids.get(p.name)]
        if not names:
            return drawn

        def known(values: tuple[Any, ...]) -> st.SearchStrategy[Case]:
            fixed = dict(zip(names, values, strict=True))
            return op.as_strategy(generation_mode=mode, path_parameters=fixed)

        real = st.tuples(*(st.sampled_from(self.ids[n]) for n in names)).flatmap(known)
        return st.one_of(drawn, real)

    def _guard(self, case: Case) -> None:
        """Point a write at a signed-in account or its key to the throwaways instead."""
        if case.method.upper() == "GET":
            return
        params = case.path_parameters or {}
        if str(params.get("username")) in self.kept_users:
            params["username"] = self.throwaway_user
        if str(params.get("key_id")) in self.kept_keys:
            params["key_id"] = self.throwaway_key

    def _send(self, case: Case, label: str, headers: dict[str, str]) -> None:
        response = case.call(base_url=self.base_url, session=self.http, headers=headers)
        self.tally.requests[label] += 1
        self.tally.as_csv += headers.get("Accept") == CSV
        self.tally.statuses[response.status_code] += 1
        if 200 <= response.status_code < 300 and "json" in _content_type(response):
            with contextlib.suppress(ValueError):  # a body that is not JSON: the checks say so
                self._harvest(json.loads(response.content))
        if response.status_code == 401 and label not in (NO_ONE, FORGED):
            report = _report(case, label, headers, response, None)
            self.tally.refused_signed_in.append(report)  # the fuzz broke an account it uses
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as exc:
            failures = list(exc.exceptions) if isinstance(exc, FailureGroup) else [exc]
            for failure in failures:
                report = _report(case, label, headers, response, failure)
                if response.status_code >= 500:
                    self.tally.server_errors.append(report)
                else:
                    self.tally.mismatches.append(report)
        else:
            if response.status_code >= 500:  # a 5xx the document declares is still a failure
                report = _report(case, label, headers, response, None)
                self.tally.server_errors.append(report)

    def _each_principal(self, case: Case, op: Any, csv: bool) -> None:
        self._guard(case)
        made_up = {k: v for k, v in (case.headers or {}).items() if k.lower() in CREDENTIALS}
        rest = CaseInsensitiveDict(
            {k: v for k, v in (case.headers or {}).items() if k.lower() not in CREDENTIALS}
        )
        case.headers = rest
        self.tally.cases += 1
        if not _signed_in(op):
            self._send(case, NO_ONE, {})
            return
        for label, headers in self.principals.items():
            self._send(case, label, headers)
        if made_up:
            self._send(case, FORGED, {k: str(v) for k, v in made_up.items()})
        if csv:  # once a draw, as the principals in turn
            labels = list(self.principals)
            label = labels[self.tally.cases % len(labels)]
            self._send(case, label, {**self.principals[label], "Accept": CSV})

    def operation(self, op: Any) -> None:
        csv = _answers_csv(op)
        self.tally.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=self.examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=self._strategy(op, mode))
            def draw(case: Case) -> None:
                self._each_principal(case, op, csv)

            try:
                draw()
            except hypothesis.errors.Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # nothing in the operation can be made to violate the document (GET /health)

    def run(self) -> Tally:
        started = time.monotonic()
        with self.http:
            self._harvest(list(self.made))
            self.harvest_lists()
            ops = [result.ok() for result in self.schema.get_all_operations()]
            for op in sorted(ops, key=lambda op: op.path == LOGON):  # the logon last
                self.operation(op)
        self.tally.seconds = time.monotonic() - started
        return self.tally


def _signed_in(op: Any) -> bool:
    """Whether the operation takes credentials (a security requirement, or the headers)."""
    raw = op.definition.raw
    headers = {p["name"].lower() for p in raw.get("parameters", []) if p.get("in") == "header"}
    return bool(raw.get("security")) or bool(headers & CREDENTIALS)


def _content_type(response: Any) -> str:
    values = response.headers.get("content-type") or [""]
    return str(values[0])


def _answers_csv(op: Any) -> bool:
    ok = op.definition.raw.get("responses", {}).get("200", {})
    return CSV in ok.get("content", {})


def _report(
    case: Case, label: str, headers: dict[str, str], response: Any, failure: Failure | None
) -> str:
    what = f"{failure.title}: {failure.message}" if failure else "no check failed"
    body = response.content[:600].decode("utf-8", "replace")
    curl = case.as_curl_command(headers=headers)
    return (
        f"{case.operation.label} as {label} -> {response.status_code}\n"
        f"  check: {what[:1200]}\n  request: {curl[:1200]}\n  response: {body}"
    )


def _fuzz(fuzzed: Fuzzed, examples: int, record: Any) -> None:
    tally = Fuzz(fuzzed, examples).run()
    summary = tally.summary(fuzzed.store)
    record("fuzz", summary)
    print(f"\nschemathesis fuzz ({examples} draws per operation and mode): {json.dumps(summary)}")
    problems = tally.server_errors + tally.mismatches
    assert not problems, (
        f"{len(tally.server_errors)} server errors and {len(tally.mismatches)} answers the "
        "document does not describe:\n" + "\n".join(sorted(set(problems))[:40])
    )
    refused = tally.refused_signed_in
    assert not refused, "a signed-in principal was refused:\n" + "\n".join(refused[:10])
    assert all(tally.requests[label] for label in (NO_ONE, JAIL_KEY, *ROLES))


def test_every_operation_as_every_principal_keeps_to_the_document(
    fuzzed: Fuzzed, record_property: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        _fuzz(fuzzed, EXAMPLES, record_property)


@pytest.mark.slow
def test_a_longer_fuzz_keeps_to_the_document(
    fuzzed: Fuzzed, record_property: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        _fuzz(fuzzed, SLOW_EXAMPLES, record_property)
