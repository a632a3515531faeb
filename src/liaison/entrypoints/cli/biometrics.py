"""``liaison biometrics``: score matrices and FVC-protocol evaluation of template folders."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from liaison.biometrics import mcc
from liaison.biometrics.dataset import Sample, discover, fvc_pairs, group_by_database
from liaison.biometrics.errors import EvaluationError
from liaison.biometrics.evaluation import ErrorRates, error_rates, score_matrix
from liaison.biometrics.iso19794 import load_template
from liaison.errors import LiaisonError

__all__ = ["app", "evaluate"]

app = typer.Typer(help="Fingerprint templates, matching and 1:N search.", no_args_is_help=True)
err = Console(stderr=True)


def _scores(samples: list[Sample], show: bool) -> npt.NDArray[np.float64]:
    cylinders = [mcc.encode(load_template(s.path)) for s in samples]
    n = len(cylinders)
    with Progress(console=err, disable=not show, transient=True) as bar:
        task = bar.add_task("matching", total=n * (n + 1) // 2)
        return score_matrix(cylinders, progress=lambda k: bar.advance(task, k))


def evaluate(
    root: Path, *, impostors: Literal["all", "first"] = "all", show: bool = True
) -> dict[str, ErrorRates]:
    """FVC protocol on every database (first-level folder) under ``root``."""
    out: dict[str, ErrorRates] = {}
    for name, samples in group_by_database(discover(root)).items():
        matrix = _scores(samples, show)
        genuine, impostor = fvc_pairs(samples, impostors=impostors)
        out[name] = error_rates(
            matrix[genuine[:, 0], genuine[:, 1]], matrix[impostor[:, 0], impostor[:, 1]]
        )
    if not out:
        raise EvaluationError(f"no databases under {root}")
    return out


def _fail(exc: LiaisonError) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}")
    return typer.Exit(code=2)


@app.command("score-matrix")
def score_matrix_command(
    directory: Annotated[
        Path, typer.Argument(help="folder of .iso templates (searched recursively)")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
) -> None:
    """All-against-all MCC similarity of every template under DIRECTORY, as a square CSV."""
    try:
        samples = discover(directory)
        matrix = _scores(samples, show=True)
    except LiaisonError as exc:
        raise _fail(exc) from exc
    names = [s.name for s in samples]
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    with open(tmp, "w") as fh:
        fh.write(",".join(["sample", *names]) + "\n")
        for name, row in zip(names, matrix, strict=True):
            fh.write(",".join([name, *(f"{v:.6f}" for v in row)]) + "\n")
    tmp.replace(out)
    typer.echo(f"{len(names)} samples, {len(names) ** 2} scores -> {out}")


@app.command("eval")
def eval_command(
    directory: Annotated[Path, typer.Argument(help="FVC-style tree: DB/FFF_I.iso")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    impostors: Annotated[str, typer.Option(help="all: every cross-finger pair; first")] = "all",
) -> None:
    """EER, FMR100 and FMR1000 per database, by the FVC protocol."""
    if impostors not in ("all", "first"):
        raise _fail(EvaluationError(f"--impostors must be 'all' or 'first', not {impostors!r}"))
    try:
        rates = evaluate(
            directory, impostors="all" if impostors == "all" else "first", show=not as_json
        )
    except LiaisonError as exc:
        raise _fail(exc) from exc
    mean = float(np.mean([r.eer for r in rates.values()]))
    if as_json:
        body = {
            name: {"eer": r.eer, "fmr100": r.fmr100, "fmr1000": r.fmr1000}
            for name, r in rates.items()
        }
        typer.echo(json.dumps({"databases": body, "mean_eer": mean}))
        return
    table = Table(title=f"FVC protocol ({impostors} impostors)")
    for col in ("database", "EER %", "FMR100 %", "FMR1000 %"):
        table.add_column(col, justify="right")
    for name, r in rates.items():
        table.add_row(name, f"{100 * r.eer:.2f}", f"{100 * r.fmr100:.2f}", f"{100 * r.fmr1000:.2f}")
    table.add_row("mean", f"{100 * mean:.2f}", "", "")
    Console().print(table)
