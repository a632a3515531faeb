"""``liaison biometrics bench`` and ``demo``: the synthetic 1:N benchmark and the showcase."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from liaison import bootstrap
from liaison.biometrics import services
from liaison.biometrics.benchmark import BenchResult, run_bench
from liaison.biometrics.identification import SearchParams

__all__ = ["bench", "demo"]

console = Console(stderr=True)


def _bench(
    *, data_dir: Path, identities: int, probes: int, seed: int, show: bool, search: SearchParams
) -> BenchResult:
    cfg = bootstrap.settings(data_dir)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=console,
        disable=not show,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        return run_bench(
            data_dir=cfg.data_dir,
            identities=identities,
            probes=probes,
            seed=seed,
            workers=cfg.worker_count,
            search=search,
            progress=progress,
        )


def bench(
    identities: Annotated[
        int, typer.Option(help="synthetic ten-print identities enrolled")
    ] = 10_000,
    probes: Annotated[int, typer.Option(help="mated probes, and as many non-mated")] = 200,
    seed: Annotated[int, typer.Option(help="seed of the synthetic world")] = 1,
    data_dir: Annotated[
        Path | None, typer.Option(help="keep the gallery here (default: a temporary directory)")
    ] = None,
    shortlist: Annotated[int, typer.Option(help="subjects verified in full per search")] = 24,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Enroll a synthetic ten-print gallery, then time mated and non-mated searches."""
    search = SearchParams(shortlist=shortlist)
    if data_dir is None:
        with tempfile.TemporaryDirectory(prefix="liaison-bench-") as tmp:
            result = _bench(
                data_dir=Path(tmp),
                identities=identities,
                probes=probes,
                seed=seed,
                show=True,
                search=search,
            )
    else:
        result = _bench(
            data_dir=data_dir,
            identities=identities,
            probes=probes,
            seed=seed,
            show=True,
            search=search,
        )
    if as_json:
        typer.echo(json.dumps(result.as_dict()))
        return
    _print_bench(result)


def _print_bench(result: BenchResult) -> None:
    table = Table(title="Ten-print 1:N on a synthetic gallery")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in result.as_dict().items():
        table.add_row(key, json.dumps(value))
    Console().print(table)


def demo(
    data_dir: Annotated[Path, typer.Option(help="where the demo gallery is kept")] = Path("data"),
    fvc: Annotated[Path, typer.Option(help="FVC2002 templates for the accuracy section")] = Path(
        "../shared/data/fvc2002"
    ),
    identities: Annotated[int, typer.Option(help="synthetic identities enrolled")] = 5_000,
    probes: Annotated[int, typer.Option(help="mated and non-mated probes")] = 200,
    seed: Annotated[int, typer.Option()] = 1,
) -> None:
    """The biometric engine's showcase: accuracy on real FVC2002 templates, then 1:N search."""
    out = Console()
    if fvc.exists():
        out.rule("Accuracy on FVC2002 B templates (all cross-finger impostors)")
        rates = services.evaluate(root=fvc)
        table = Table()
        for col in ("database", "EER %", "FMR100 %", "FMR1000 %"):
            table.add_column(col, justify="right")
        for name, r in rates.items():
            table.add_row(
                name, f"{100 * r.eer:.2f}", f"{100 * r.fmr100:.2f}", f"{100 * r.fmr1000:.2f}"
            )
        mean = sum(r.eer for r in rates.values()) / max(len(rates), 1)
        table.add_row("mean", f"{100 * mean:.2f}", "", "")
        out.print(table)
    else:
        out.print(f"[yellow]{fvc} not found: skipping the FVC2002 accuracy section[/]")
    out.rule(f"Ten-print 1:N: {identities:,} synthetic identities, {probes} + {probes} probes")
    gallery = data_dir / f"bench-{identities}-{seed}"
    result = _bench(
        data_dir=gallery,
        identities=identities,
        probes=probes,
        seed=seed,
        show=True,
        search=SearchParams(),
    )
    _print_bench(result)
    out.print(f"gallery kept in {gallery}")
