"""The README's ``liaison`` examples, run as written on a small demo world, so they keep working.

Every command line of the README's ``sh`` blocks that starts with ``liaison`` is read as a
shell reads it (continuation lines joined, comments dropped, ``a ; b`` two commands, brace
ranges expanded) and run in README order, in this process, against one small world built by
``liaison demo``; the files the examples name (a booking, a list, a docket) are made beside it.
A line is left out only by name in ``SKIPPED``, with the reason (a server, or minutes to
hours of work); placeholders (``DIR``, ``FILE``, ``$ID``, ``CASE_ID``, ...) are filled in by
``FILLED`` from what the commands before printed. A new example therefore runs as soon as it
is written, and a skip that no longer matches a line fails.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import SHARED_DATA
from typer.testing import CliRunner, Result

from liaison.entrypoints.cli.main import app

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "a long pass phrase 42"

SKIPPED: dict[str, str] = {
    "liaison demo --identities 20000 --days 10 --seed 3 --data-dir /tmp/w": (
        "a 20,000-person world: minutes (the fixture builds a small one the same way)"
    ),
    "liaison demo --identities 2000 --days 3 --seed 7 --json": (
        "a minute or more; tests/e2e/test_demo.py runs this shape of command twice"
    ),
    "liaison serve --data-dir data": "a server (tests/e2e/test_cli_spine.py starts one)",
    "liaison serve --port 8000": "a server (tests/e2e/test_cli_spine.py starts one)",
    "liaison serve --no-worker": "a server (tests/e2e/test_cli_spine.py starts one)",
    "liaison worker": "runs until stopped (tests/e2e/test_crash.py runs workers)",
    "liaison biometrics bench --identities 10000 --probes 200 --seed 1 --json": (
        "enrolls 10,000 synthetic people: minutes"
    ),
    "liaison biometrics eval ../shared/data/fvc2002 --source images --json": (
        "extracts 320 images with pyfing: tens of minutes on two cores"
    ),
    "liaison biometrics eval ../shared/data/fvc2002 --source images --extractor classical": (
        "extracts 320 images with pyfing: minutes"
    ),
    "liaison biometrics score-matrix DIR --out scores.csv --source images --ppi 569": (
        "extracts a folder of images with pyfing: minutes"
    ),
    "liaison bookings submit --an2 booking.an2 --an2-out response.an2": (
        "extracts ten fingers with pyfing in this process: a minute or more on two loaded "
        "cores (tests/e2e/test_ansi_nist_booking.py submits transactions)"
    ),
    "liaison screening bench --supervised 2370000 --watchlist 1000000 --seed 2 --json": (
        "2.37 million people against a million entries: hours"
    ),
}


@dataclass
class Session:
    """What the examples run so far printed that later ones name."""

    outputs: dict[str, str] = field(default_factory=dict)
    key_id: str = ""
    booking_id: str = ""
    campaign_id: str = ""
    case_id: str = ""


def _key_id(s: Session) -> str:
    return s.key_id


# placeholder words of an example -> what stands in for them (each names its example)
FILLED: dict[str, dict[str, Callable[[Session], str]]] = {
    "liaison biometrics enroll DIR --data-dir data": {
        "DIR": lambda s: "../shared/data/fvc2002/DB1_B",
    },
    "liaison biometrics calibrate --data-dir data --probes 1000": {
        # a thousand searches take a minute on two loaded cores: the same command, smaller
        "1000": lambda s: "100",
    },
    "liaison biometrics search FILE --data-dir data": {
        "FILE": lambda s: "../shared/data/fvc2002/DB1_B/101_2.iso",
    },
    "liaison users revoke-key 3a4ed1c6a0b2e9f1": {"3a4ed1c6a0b2e9f1": _key_id},
    "liaison bookings response $ID --an2-out response.an2": {"$ID": lambda s: s.booking_id},
    "liaison screening rescreen docket.parquet --chunks 8 --campaign-id ID": {
        "ID": lambda s: s.campaign_id,
    },
    "liaison screening case CASE_ID": {"CASE_ID": lambda s: s.case_id},
    "liaison screening act CASE_ID assign|escalate|confirm|clear --actor analyst1 --note ...": {
        "CASE_ID": lambda s: s.case_id,
        "assign|escalate|confirm|clear": lambda s: "assign",
    },
}

# what the examples that ask for a password are given on stdin
INPUT = {
    "liaison users add alice --role admin": f"{PASSWORD}\n",
    "liaison users add joe --role booking_officer --ori TX1010000": f"{PASSWORD}\n",
    "liaison users reset-password alice": f"{PASSWORD} 2\n{PASSWORD} 2\n",
}


def _expand_braces(token: str) -> list[str]:
    """``1{01..10}_2.tif`` as bash expands it (zero-padded like its bounds)."""
    found = re.fullmatch(r"(.*)\{(\d+)\.\.(\d+)\}(.*)", token)
    if found is None:
        return [token]
    head, low, high, tail = found.groups()
    width = len(low)
    return [f"{head}{n:0{width}d}{tail}" for n in range(int(low), int(high) + 1)]


def readme_commands() -> list[list[str]]:
    """The README's ``liaison`` commands in order, each as its words."""
    text = README.read_text(encoding="utf-8")
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            if not line.strip().startswith("liaison "):
                continue
            words: list[str] = []
            for word in [*shlex.split(line, comments=True), ";"]:
                if word in (";", "&"):
                    if words:
                        commands.append(words)
                    words = []
                else:
                    words.append(word)
    return commands


def name_of(words: list[str]) -> str:
    return " ".join(words)


def _fill(words: list[str], session: Session) -> list[str]:
    filled = FILLED.get(name_of(words), {})
    out: list[str] = []
    for word in words[1:]:  # without ``liaison``: the app is the command
        if word in filled:
            word = filled[word](session)
        word = word.removeprefix("[").removesuffix("]")  # [optional] options: given
        out.extend(_expand_braces(word))
    return out


def _learn(words: list[str], result: Result, session: Session) -> None:
    """Keep what later examples name: a key id, a booking id, a campaign id."""
    name = name_of(words)
    if words[1:3] == ["users", "key"]:
        session.key_id = result.stdout.strip().split("_")[1]
    elif words[1:3] == ["bookings", "submit"]:
        session.booking_id = json.loads(result.stdout)["booking_id"]
    elif words[1:3] == ["screening", "rescreen"] and not session.campaign_id:
        found = re.search(r"campaign (\S+):", result.stdout)
        assert found, result.stdout
        session.campaign_id = found.group(1)
    session.outputs[name] = result.output


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world, made as the README makes one (``liaison demo``), in its own process."""
    data_dir = tmp_path_factory.mktemp("readme") / "world"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.update(COLUMNS="200", LIAISON_WORKERS="1")
    demo = subprocess.run(
        [
            sys.executable,
            "-m",
            "liaison.entrypoints.cli.main",
            "demo",
            "--identities",
            "100",
            "--days",
            "1",
            "--seed",
            "7",
            "--data-dir",
            str(data_dir),
            "--shared-data",
            str(SHARED_DATA),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    return data_dir


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the examples run: ``../shared/data`` resolves, and the files they name exist."""
    from liaison.synth import screening as screening_world
    from liaison.synth.spine import booking_body

    (tmp_path / "shared").symlink_to(SHARED_DATA.parent)
    work = tmp_path / "work"
    work.mkdir()
    body = booking_body(
        seed=7,
        identity=3,
        tcn="TX1010000-20250707-0001",
        ori="TX1010000",
        arrested_at=datetime(2025, 7, 7, 9, 30, tzinfo=UTC),
    )
    (work / "booking.json").write_text(json.dumps(body))
    made = screening_world.generate(supervised=300, watchlist=150, seed=7, planted_share=0.05)
    screening_world.write(made, tmp_path / "screening")
    shutil.copy(tmp_path / "screening" / "watchlist.parquet", work / "list.parquet")
    shutil.copy(tmp_path / "screening" / "supervised.parquet", work / "docket.parquet")
    monkeypatch.chdir(work)
    return work


def test_the_readme_has_its_examples_and_every_skip_names_one() -> None:
    names = [name_of(words) for words in readme_commands()]
    assert len(names) >= 40
    assert sorted(set(SKIPPED) - set(names)) == []  # a skip whose example is gone or changed
    assert sorted(set(FILLED) - set(names)) == []
    assert sorted(set(INPUT) - set(names)) == []


def test_every_readme_example_runs_as_written(world: Path, workdir: Path) -> None:
    runner = CliRunner()
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LIAISON_")}
    env.update(LIAISON_DATA_DIR=str(world), LIAISON_WORKERS="1", COLUMNS="200")
    session = Session()
    failed: list[str] = []
    ran = 0
    for words in readme_commands():
        name = name_of(words)
        if name in SKIPPED:
            continue
        if words[1:3] == ["screening", "case"] or words[1:3] == ["screening", "act"]:
            session.case_id = session.case_id or _open_case(runner, env)
        args = _fill(words, session)
        result = runner.invoke(app, args, input=INPUT.get(name), env=env)
        ran += 1
        if result.exit_code != 0:
            failed.append(f"{name}\n  -> exit {result.exit_code}: {result.output[-800:]!r}")
            continue
        _learn(words, result, session)
    assert failed == [], "README examples that fail as written:\n" + "\n".join(failed)
    assert ran >= 35


def _open_case(runner: CliRunner, env: dict[str, str | None]) -> str:
    """The id of an open screening case, read the way a person would (``cases --json``); ""
    when there is none to read (the examples that name one then fail, saying so)."""
    result = runner.invoke(app, ["screening", "cases", "--state", "open", "--json"], env=env)
    try:
        cases = json.loads(result.stdout)
        case_id: str = cases[0]["case_id"]
    except (ValueError, IndexError, KeyError):
        return ""
    return case_id
