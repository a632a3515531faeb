"""``liaison screening``: publish the list, check a person, re-screen the docket, work cases.

The linkage engine (DuckDB, Splink, ICU) and the generator are imported by the commands that
use them: every other ``liaison`` command would pay their half-second import otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liaison.entrypoints.cli.common import Bars, DataDir, Json, out, reported, show, wire
from liaison.screening import services as screening
from liaison.screening.comparators import CASE_THRESHOLD
from liaison.screening.model import Document, ScreeningCase, Subject, SubjectKind
from liaison.screening.protocol import CaseAction, is_overdue

__all__ = ["app"]

app = typer.Typer(help="Watchlist screening: list versions, checks, campaigns, cases.")


@app.command("publish")
def publish(
    path: Annotated[Path, typer.Argument(help="the full list: .parquet or .jsonl")],
    data_dir: DataDir = None,
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Publish a full list as the next version (added, changed and removed entries)."""
    from liaison.adapters.linkage.encounter import DuckDBScreening
    from liaison.adapters.linkage.files import count_entries, read_watchlist

    with reported(), Bars(delay_s=1.0) as bars:
        c = wire(data_dir)
        version = screening.publish_list(
            uow=c.uow(),
            entries=read_watchlist(path),
            source=path.name,
            keys=DuckDBScreening(),
            actor=actor,
            at=c.clock(),
            batch=bars.counter("publish list", count_entries(path)),
        )
    out.print(
        f"list version {version.version}: {version.entries:,} entries "
        f"({version.added:,} added, {version.changed:,} changed, {version.removed:,} removed)"
    )


@app.command("check")
def check(
    name: Annotated[list[str], typer.Option("--name", help="a name, given names first")],
    dob: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    nationality: Annotated[str, typer.Option()] = "",
    document: Annotated[str, typer.Option()] = "",
    data_dir: DataDir = None,
    threshold: Annotated[float, typer.Option()] = CASE_THRESHOLD,
    as_json: Json = False,
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Score one person against the current list and explain each candidate (opens no case)."""
    from liaison.adapters.linkage.encounter import DuckDBScreening

    with reported():
        c = wire(data_dir, create=False)
        subject = Subject(
            kind=SubjectKind.BOOKING,
            subject_id="check",
            names=tuple(name),
            dob=date.fromisoformat(dob) if dob else None,
            nationality=nationality.upper(),
            documents=(Document(document),) if document else (),
        )
        engine = DuckDBScreening()
        found = screening.check(
            uow=c.uow(), subject=subject, keys=engine, scorer=engine, actor=actor, at=c.clock()
        )
    scores = found.scores
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "list_version": found.list_version,
                    "threshold": threshold,
                    "candidates": [asdict(s) | {"hit": s.weight >= threshold} for s in scores],
                }
            )
        )
        return
    table = Table("entry", "matched name", "weight", "hit", "features")
    for s in scores:
        table.add_row(
            s.entry_id,
            escape(s.matched_name),
            f"{s.weight:.1f}",
            "yes" if s.weight >= threshold else "",
            "; ".join(f"{f.comparator}: {f.level} ({f.weight:+.1f})" for f in s.features),
        )
    show(table)
    out.print(
        f"list version {found.list_version}; {len(scores)} candidate(s); threshold {threshold}"
    )


@app.command("rescreen")
def rescreen(
    docket: Annotated[Path, typer.Argument(help="the supervised population (Parquet)")],
    data_dir: DataDir = None,
    campaign_id: Annotated[
        str | None, typer.Option(help="resume this campaign (default: a new one)")
    ] = None,
    chunks: Annotated[int, typer.Option(help="units of work committed one by one")] = 8,
    threads: Annotated[int | None, typer.Option(help="DuckDB threads (default: all)")] = None,
    actor: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Re-screen the whole docket against the current list version; resumable by id."""
    from liaison.adapters.linkage.campaign import SplinkCampaign, current_list

    with reported(), Bars() as bars:
        c = wire(data_dir)
        version, listed = current_list(c.uow())
        linker = SplinkCampaign(docket=docket, watchlist=listed, chunks=chunks, threads=threads)
        total = linker.people()

        ident = campaign_id or f"campaign-{c.clock():%Y%m%dT%H%M%S}-{c.new_id()[:6]}"
        out.print(f"campaign {ident}: {total:,} people against list version {version.version}")
        campaign = screening.rescreen(
            uow_factory=c.uow,
            linker=linker,
            campaign_id=ident,
            docket=str(docket),
            actor=actor,
            clock=c.clock,
            new_id=c.new_id,
            progress=bars.counter("re-screen", total),
        )
        linker.close()
    out.print(
        f"campaign {campaign.campaign_id}: {campaign.people:,} people, {campaign.hits:,} hits, "
        f"{campaign.new_cases:,} new cases"
    )


def _case_row(case: ScreeningCase, now: datetime) -> list[str]:
    return [
        case.case_id,
        case.source.value,
        f"{case.subject_kind.value}:{case.subject_id}",
        case.entry_id,
        f"{case.score:.1f}",
        case.state.value,
        case.assignee,
        case.due_at.strftime("%Y-%m-%d %H:%M") + (" overdue" if is_overdue(case, now) else ""),
    ]


@app.command("cases")
def cases(
    data_dir: DataDir = None,
    state: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option()] = None,
    campaign: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 50,
    actor: Annotated[str, typer.Option()] = "cli",
    as_json: Json = False,
) -> None:
    """Screening cases, nearest deadline first."""
    with reported():
        c = wire(data_dir, create=False)
        found = screening.list_cases(
            uow=c.uow(),
            actor=actor,
            at=c.clock(),
            state=state,
            source=source,
            campaign_id=campaign,
            limit=limit,
        )
    now = c.clock()
    if as_json:
        _print_cases(found, now)
        return
    table = Table("case", "source", "subject", "entry", "weight", "state", "analyst", "due")
    for case in found:
        table.add_row(*_case_row(case, now))
    show(table)


def _print_cases(found: Sequence[ScreeningCase], now: datetime) -> None:
    """Cases as GET /screening/cases answers them."""
    from liaison.entrypoints.api.routes.screening import CaseOut

    out.print_json(json.dumps([CaseOut.of(case, now).model_dump(mode="json") for case in found]))


@app.command("case")
def case(
    case_id: str,
    data_dir: DataDir = None,
    actor: Annotated[str, typer.Option()] = "cli",
    as_json: Json = False,
) -> None:
    """One case: why it was opened (the features) and its steps."""
    with reported():
        c = wire(data_dir, create=False)
        found = screening.get_case(uow=c.uow(), case_id=case_id, actor=actor, at=c.clock())
    if as_json:
        from liaison.entrypoints.api.routes.screening import CaseOut

        out.print_json(json.dumps(CaseOut.of(found, c.clock()).model_dump(mode="json")))
        return
    out.print(
        f"case {found.case_id} ({found.source.value}): {found.subject_kind.value} "
        f"{found.subject_id} vs entry {found.entry_id}, list version {found.list_version}, "
        f"weight {found.score:.1f}, {found.state.value}"
        + (f" ({found.outcome.value})" if found.outcome else "")
    )
    for f in found.features:
        out.print(f"  {f.comparator:<12} {f.level:<40} {f.weight:+.1f}")
    for e in found.events:
        out.print(f"  {e.at:%Y-%m-%d %H:%M} {e.actor:<12} {e.action:<9} {escape(e.note)}")


@app.command("act")
def act(
    case_id: str,
    action: CaseAction,
    data_dir: DataDir = None,
    actor: Annotated[str, typer.Option(help="the analyst taking the step")] = "cli",
    note: Annotated[str, typer.Option(help="the reason (required to decide)")] = "",
    assignee: Annotated[str, typer.Option(help="assign to (default: the actor)")] = "",
) -> None:
    """Take a protocol step: assign, escalate, confirm or clear."""
    with reported():
        c = wire(data_dir)
        changed = screening.act_on_case(
            uow=c.uow(),
            case_id=case_id,
            action=action,
            actor=actor,
            at=c.clock(),
            note=note,
            assignee=assignee,
        )
    out.print(
        f"case {changed.case_id}: {changed.state.value}"
        + (f" ({changed.outcome.value})" if changed.outcome else "")
        + (f", analyst {changed.assignee}" if changed.assignee else "")
    )


@app.command("bench")
def bench(
    supervised: Annotated[int, typer.Option(help="people under supervision")] = 100_000,
    watchlist: Annotated[int, typer.Option(help="entries on the list")] = 50_000,
    seed: Annotated[int, typer.Option()] = 1,
    chunks: Annotated[int, typer.Option()] = 8,
    threshold: Annotated[float, typer.Option()] = CASE_THRESHOLD,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-screening benchmark on planted ground truth: seconds, recall, precision, memory."""
    from liaison.synth import screening_bench

    work = (data_dir or Path("data")) / "bench"
    with reported(), Bars() as bars:
        result = screening_bench.run(
            supervised=supervised,
            watchlist=watchlist,
            seed=seed,
            work_dir=work,
            chunks=chunks,
            threshold=threshold,
            bars=bars,
        )
    if as_json:
        out.print_json(json.dumps(asdict(result)))
        return
    out.print(
        f"{result.supervised:,} supervised x {result.watchlist:,} entries: campaign "
        f"{result.seconds:.1f} s, recall {result.recall:.4f}, precision {result.precision:.4f}, "
        f"peak RSS {result.peak_rss_mb:,.0f} MB ({result.cases:,} cases, "
        f"{result.planted:,} planted)"
    )
    for variant, recall in result.recall_by_variant.items():
        out.print(f"  {variant:<16} recall {recall:.4f}")
