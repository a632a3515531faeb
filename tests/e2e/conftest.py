"""A running Liaison for end-to-end tests: a small synthetic world on SQLite or PostgreSQL,
served over real HTTP by uvicorn on a free port, with the booking worker running beside it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.biometrics.model import FingerTemplate
from liaison.entrypoints.api.app import create_app
from liaison.entrypoints.worker import Worker
from liaison.identity.model import EventKind, Identity, ImmigrationEvent, PersonName
from liaison.settings import Settings
from liaison.synth.ansi_nist import enroll_person, fvc_fingers
from liaison.synth.spine import SpineWorld, build_spine_world

IDENTITIES = 40
SEED = 5


@dataclass
class Running:
    base_url: str
    container: bootstrap.Container
    world: SpineWorld
    jail_keys: dict[str, str]  # ORI -> API key

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def token(self, username: str) -> dict[str, str]:
        with self.client() as http:
            r = http.post(
                "/auth/token",
                json={"username": username, "password": self.world.passwords[username]},
            )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def jail(self, ori: str) -> dict[str, str]:
        return {"X-API-Key": self.jail_keys[ori]}

    def wait_for_response(self, booking_id: str, headers: dict[str, str]) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        with self.client() as http:
            while time.monotonic() < deadline:
                body: dict[str, Any] = http.get(
                    f"/bookings/{booking_id}/response", headers=headers
                ).json()
                if body.get("state") in ("responded", "reviewed"):
                    return body
                time.sleep(0.1)
        raise AssertionError(f"booking {booking_id} got no response within 60 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(container: bootstrap.Container, world: SpineWorld) -> Iterator[Running]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stop = threading.Event()
    worker = threading.Thread(target=Worker(container).run, args=(stop,), daemon=True)
    worker.start()
    while not server.started:
        time.sleep(0.02)
    keys = {
        ori: accounts.issue_api_key(
            uow=container.uow(), ori=ori, label="e2e", actor="e2e", at=container.clock()
        )
        for ori in world.agencies
    }
    try:
        yield Running(f"http://127.0.0.1:{port}", container, world, keys)
    finally:
        stop.set()
        server.should_exit = True
        thread.join(10)
        worker.join(10)
        container.close()


def _world(data_dir: Path, url: str) -> tuple[bootstrap.Container, SpineWorld]:
    cfg = Settings(data_dir=data_dir, database_url=url, workers=1)
    container = bootstrap.container(cfg)
    world = build_spine_world(container, identities=IDENTITIES, seed=SEED, calibration_probes=40)
    container.search()  # load the engine before the clock starts on the first booking
    return container, world


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    data_dir = tmp_path_factory.mktemp(f"spine-{request.param}")
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        name = server.create_database()
        url = server.url(name)
    else:
        url = f"sqlite:///{data_dir / 'liaison.db'}"
    container, world = _world(data_dir, url)
    yield from _serve(container, world)


# --- a world that also knows one FVC2002 person, for bookings sent as ANSI/NIST-ITL images ---

FVC_IDENTITY = 9001  # identity id and gallery subject of the FVC2002 DB1 person
FVC_ENROLLED = 1  # the impression enrolled; bookings use others


def fvc_identity() -> Identity:
    """DB1 fingers 101-110 as one person, who entered without inspection in 2015."""
    return Identity(
        identity_id=FVC_IDENTITY,
        names=[PersonName("Ortega", "Luis")],
        birth_date=date(1984, 6, 2),
        sex="M",
        birth_country="MX",
        events=[ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1))],
        a_number="A209001001",
    )


@pytest.fixture(scope="session")
def fvc_enrolment(fvc_dir: Path) -> tuple[FingerTemplate, ...]:
    """The ten templates of the FVC2002 DB1 person, extracted once a session from impression 1
    by the same extractor that reads bookings' images."""
    from liaison.biometrics.extraction import extract

    pictures = fvc_fingers(fvc_dir / "DB1_B", FVC_ENROLLED)
    return tuple(
        extract(picture.pixels, ppi=picture.ppi, position=position).template
        for position, picture in sorted(pictures.items())
    )


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def an2_running(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fvc_enrolment: tuple[FingerTemplate, ...],
) -> Iterator[Running]:
    """A running Liaison whose gallery also holds the FVC2002 DB1 person (``FVC_IDENTITY``),
    enrolled before the engine opens (an open engine does not see later rows)."""
    data_dir = tmp_path_factory.mktemp(f"an2-{request.param}")
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    else:
        url = f"sqlite:///{data_dir / 'liaison.db'}"
    container = bootstrap.container(Settings(data_dir=data_dir, database_url=url, workers=1))
    world = build_spine_world(container, identities=IDENTITIES, seed=SEED, calibration_probes=40)
    enroll_person(container, identity=fvc_identity(), templates=fvc_enrolment)
    container.search()
    yield from _serve(container, world)
