"""Commands of the audit trail: verify it, anchor its head, rotate and list its MAC keys.

Each works on a store that exists: pointed at a data directory without one, it refuses (exit 2,
one red line) rather than create an empty store and call it intact.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from sqlalchemy.engine import make_url

from liaison import bootstrap
from liaison.audit import services as audit
from liaison.audit.seal import format_at
from liaison.entrypoints.cli.common import DataDir, err, fail, out, reported, shown_url

__all__ = ["audit_app"]

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def _existing(data_dir: Path | None) -> bootstrap.Container:
    """The wiring of an existing store; refuses (exit 2) where there is none."""
    cfg = bootstrap.settings(data_dir)
    url = make_url(cfg.store_url)
    missing = not cfg.data_dir.is_dir() or (
        url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file()
    )
    if missing:  # the data directory also holds the audit keys and checkpoints
        raise fail(
            f"no store at {shown_url(cfg.store_url)} with data directory {cfg.data_dir}: "
            "nothing to read (give --data-dir or LIAISON_DATA_DIR of an existing store; "
            "a read never creates one)"
        )
    return bootstrap.container(cfg, with_engine=False)


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Check every hash, MAC and link of the trail against its checkpoints; exit 1 and say
    where when anything was edited, deleted, re-chained or cut off."""
    with reported():
        c = _existing(data_dir)
        try:
            report = audit.verify_trail(uow=c.uow(), anchor=c.audit_anchor)
        finally:
            c.close()
    if report.ok:
        out.print(f"[green]audit trail intact[/]: {report.entries_checked} entries")
    else:
        for b in report.breaks:
            err.print(f"[red]entry {b.seq}: {escape(b.problem)}[/]")
    if report.unmaced:
        out.print(
            f"[yellow]{report.unmaced} entries (seq 1..{report.unmaced}) were written before "
            "MACs began[/]: the hash chain covers them, and the first MACed entry after them "
            "vouches for their last hash"
        )
    if report.anchored_at is not None:
        out.print(
            f"last checkpoint: seq {report.anchored_seq} at {format_at(report.anchored_at)} "
            f"({report.checkpoints} checkpoints); {report.unanchored} entries since"
        )
    elif report.entries:
        out.print(
            "[yellow]no checkpoints[/]: a deleted tail would go unseen "
            "(`liaison audit checkpoint` anchors the head)"
        )
    if not report.ok:
        first = report.breaks[0].seq
        raise fail(
            f"audit trail broken: {len(report.breaks)} problem(s) in {report.entries_checked} "
            f"entries, the first at entry {first}",
            code=1,
        )


@audit_app.command("checkpoint")
def audit_checkpoint(data_dir: DataDir = None) -> None:
    """Anchor the head of the trail now: a signed checkpoint outside the database."""
    with reported():
        c = _existing(data_dir)
        assert c.audit_anchor is not None
        try:
            cp = audit.checkpoint(uow=c.uow(), anchor=c.audit_anchor, at=c.clock())
        finally:
            c.close()
    if cp is None:
        out.print("nothing to anchor: the trail is empty")
        return
    where = c.settings.audit_checkpoint_file
    out.print(f"anchored seq {cp.seq} (entry hash {cp.entry_hash}) in {escape(str(where))}")


@audit_app.command("rotate-key")
def audit_rotate_key(data_dir: DataDir = None) -> None:
    """Start a new MAC key for new entries; older keys stay in the ring to verify theirs."""
    with reported():
        c = _existing(data_dir)
        c.close()
        keys = c.audit_keys
        assert keys is not None
        key_id = keys.rotate()
        kept = len(keys.held()) - 1
    out.print(
        f"new audit key {key_id} in {escape(str(keys.path))}: new entries are MACed with it; "
        f"{kept} older key(s) kept to verify what they MACed"
    )


@audit_app.command("keys")
def audit_keys(data_dir: DataDir = None) -> None:
    """The MAC keys of the ring, oldest first (ids and dates, never the secrets)."""
    with reported():
        c = _existing(data_dir)
        c.close()
        assert c.audit_keys is not None
        keys = c.audit_keys.held()
    if not keys:
        out.print("no audit keys yet: the first entry written makes one")
    for key in keys:
        mark = " (current)" if key.current else ""
        out.print(f"{key.key_id}  created {format_at(key.created)}{mark}")
