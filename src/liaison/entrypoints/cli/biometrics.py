"""``liaison biometrics``: score matrices, FVC-protocol evaluation, enrollment, calibration and
1:N search."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from liaison import bootstrap
from liaison.biometrics import services
from liaison.biometrics.errors import GalleryError
from liaison.biometrics.extraction import DEFAULT_METHOD, Method
from liaison.biometrics.identification import Identification, Thresholds
from liaison.entrypoints.cli.common import Bars
from liaison.errors import LiaisonError

__all__ = ["app"]

app = typer.Typer(
    help="Fingerprint templates: score matrices, FVC accuracy, enrollment and 1:N search.",
    no_args_is_help=True,
)

LABELS_FILE = "labels.tsv"  # under the data directory: subject<TAB>sample name
BAR_DELAY_S = 1.0  # work shorter than this shows no progress bar

DataDir = Annotated[
    Path | None,
    typer.Option(help="data directory (default: $LIAISON_DATA_DIR, else ./data)"),
]


EXTRACTION_CACHE = "extracted"  # under the data directory: templates extracted from images


class Impostors(StrEnum):
    ALL = "all"
    FIRST = "first"


class Source(StrEnum):
    TEMPLATES = "templates"
    IMAGES = "images"


SourceOption = Annotated[
    Source,
    typer.Option(
        help="templates: the .iso files; images: the .tif .tiff .png .bmp .wsq files, "
        "minutiae extracted first (a folder may hold both, as FVC2002 does)"
    ),
]
ExtractorOption = Annotated[
    Method | None,
    typer.Option(
        "--extractor",
        help=f"with --source images: the pyfing method family (default: {DEFAULT_METHOD})",
        show_default=False,
    ),
]
PpiOption = Annotated[
    int | None,
    typer.Option(
        help="with --source images: every image's resolution in pixels per inch "
        "(default: what each file says, else 500)",
        show_default=False,
    ),
]


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a ``LiaisonError`` (or a file system error) into one red line and exit code 2."""
    try:
        yield
    except (LiaisonError, OSError) as exc:
        message = " ".join(str(exc).split())
        Console(stderr=True).print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
        raise typer.Exit(code=2) from None


def _image_options(
    source: Source, extractor: Method | None, ppi: int | None, data_dir: Path | None
) -> services.ImageOptions | None:
    """What ``--source`` and the extraction options ask for; None means templates.

    Extracted templates are kept under the data directory, so a second run only matches.
    """
    if source is Source.TEMPLATES:
        given = [n for n, v in (("--extractor", extractor), ("--ppi", ppi)) if v is not None]
        if given:
            raise typer.BadParameter(f"{' and '.join(given)} apply to --source images only")
        return None
    cfg = bootstrap.settings(data_dir)
    return services.ImageOptions(
        method=extractor or DEFAULT_METHOD,
        ppi=ppi,
        cache_dir=cfg.data_dir / EXTRACTION_CACHE,
        workers=cfg.workers,
    )


@app.command("score-matrix")
def score_matrix_command(
    directory: Annotated[
        Path, typer.Argument(help="folder of templates or images (searched recursively)")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    source: SourceOption = Source.TEMPLATES,
    extractor: ExtractorOption = None,
    ppi: PpiOption = None,
    data_dir: DataDir = None,
) -> None:
    """All-against-all MCC similarity of every finger under DIRECTORY, as a square CSV.

    With --source images, minutiae are extracted from every image first, on all cores, each
    kept under the data directory (extracted/) the moment it is done: a run stopped part way
    resumes where it stopped, and a second run only matches.
    """
    images = _image_options(source, extractor, ppi, data_dir)
    started = time.perf_counter()
    with _reported(), Bars(delay_s=BAR_DELAY_S, transient=True) as bar:
        count = services.score_matrix_csv(root=directory, out=out, progress=bar, images=images)
    seconds = time.perf_counter() - started
    typer.echo(f"{count} samples, {count * count:,} scores in {seconds:.1f} s -> {out}")


@app.command("eval")
def eval_command(
    directory: Annotated[Path, typer.Argument(help="FVC-style tree: DB/FFF_I.iso or .tif")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    impostors: Annotated[
        Impostors,
        typer.Option(help="all: every cross-finger pair; first: first impressions only"),
    ] = Impostors.ALL,
    source: SourceOption = Source.TEMPLATES,
    extractor: ExtractorOption = None,
    ppi: PpiOption = None,
    data_dir: DataDir = None,
) -> None:
    """EER, FMR100 and FMR1000 per database (first-level folder), by the FVC protocol.

    With --source images, minutiae are extracted from every image first, on all cores, and
    kept under the data directory (extracted/), so a second run only matches.
    """
    images = _image_options(source, extractor, ppi, data_dir)
    with _reported(), Bars(delay_s=BAR_DELAY_S, transient=True) as bar:
        results = services.evaluate_databases(
            root=directory, impostors=impostors.value, progress=bar, images=images
        )
    mean_eer = sum(r.rates.eer for r in results.values()) / len(results)
    if as_json:
        databases = {
            name: {
                "eer": r.rates.eer,
                "fmr100": r.rates.fmr100,
                "fmr1000": r.rates.fmr1000,
                "zero_fmr": r.rates.zero_fmr,
                "eer_threshold": r.rates.eer_threshold,
                "genuine": r.genuine,
                "impostor": r.impostor,
            }
            for name, r in results.items()
        }
        body = {
            "impostors": impostors.value,
            "source": source.value,
            "extractor": images.method.value if images else None,
            "databases": databases,
            "mean_eer": mean_eer,
        }
        typer.echo(json.dumps(body))
        return
    made = f", {images.method.value} extraction from images" if images else ""
    table = Table(title=f"FVC protocol ({impostors.value} impostors{made})")
    for column in ("database", "genuine", "impostor", "EER %", "FMR100 %", "FMR1000 %"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(
            name,
            f"{r.genuine:,}",
            f"{r.impostor:,}",
            f"{100 * r.rates.eer:.2f}",
            f"{100 * r.rates.fmr100:.2f}",
            f"{100 * r.rates.fmr1000:.2f}",
        )
    table.add_row("mean", "", "", f"{100 * mean_eer:.2f}", "", "")
    Console().print(table)


@app.command("enroll")
def enroll_command(
    directory: Annotated[
        Path, typer.Argument(help="folder of .iso templates; each file becomes a subject")
    ],
    data_dir: DataDir = None,
) -> None:
    """Enroll every template under DIRECTORY into the gallery, one new subject per file.

    Files are coded and appended a chunk at a time, with a progress bar; a run stopped part
    way keeps its chunks, and running it again on the same DIRECTORY finishes it.
    """
    cfg = bootstrap.settings(data_dir)
    with _reported(), Bars(delay_s=BAR_DELAY_S, transient=True) as bar:
        gallery = bootstrap.open_gallery(cfg, create=True)
        count = services.enroll_directory(
            gallery=gallery,
            root=directory,
            labels_file=cfg.data_dir / LABELS_FILE,
            progress=lambda done, total: bar("enrolling", done, total),
        )
        subjects = int(np.unique(gallery.subjects()).size)
    typer.echo(
        f"enrolled {count} templates; the gallery at {cfg.gallery_dir} holds "
        f"{gallery.rows} fingers of {subjects} subjects"
    )


@app.command("calibrate")
def calibrate_command(
    data_dir: DataDir = None,
    probes: Annotated[
        int, typer.Option(help="non-mated searches: synthetic people who are not enrolled")
    ] = 1_000,
    seed: Annotated[int, typer.Option(help="seed of the synthetic non-mated people")] = 7,
    fpir_match: Annotated[
        float, typer.Option(help="false-positive identification rate of a 'match'")
    ] = 0.001,
    fpir_possible: Annotated[
        float, typer.Option(help="false-positive identification rate of a 'possible'")
    ] = 0.01,
) -> None:
    """Set the decision thresholds of `search` from searches of synthetic non-mated fingers.

    With no operational set of searches of people known not to be enrolled, synthetic
    non-mates are the only honest source; the thresholds hold only as far as synthetic
    impostor scores resemble real ones (they run lower than FVC2002's, so the real FPIR is
    higher than asked), and one at FPIR f needs at least 1/f searches (1,000 at 0.001) to
    mean anything.
    """
    cfg = bootstrap.settings(data_dir)
    with _reported(), Bars(delay_s=BAR_DELAY_S, transient=True) as bar:
        # the thresholds the identifier holds play no part: calibration reads raw scores
        identifier = bootstrap.open_identifier(
            cfg, thresholds=Thresholds(match=np.inf, possible=np.inf)
        )
        thresholds = services.calibrate_thresholds(
            identifier=identifier,
            thresholds_file=cfg.thresholds_file,
            probes=probes,
            seed=seed,
            fpir_match=fpir_match,
            fpir_possible=fpir_possible,
            shape=services.ProbeShape.FINGER,
            progress=bar,
        )
    typer.echo(
        f"match >= {thresholds.match:.4f} (FPIR {fpir_match:g}), "
        f"possible >= {thresholds.possible:.4f} (FPIR {fpir_possible:g}), "
        f"from {probes:,} non-mated single-finger searches -> {cfg.thresholds_file}"
    )
    if probes * fpir_match < 1:
        Console(stderr=True).print(
            f"[yellow]warning:[/] {probes:,} searches cannot resolve FPIR {fpir_match:g} "
            f"(needs >= {int(np.ceil(1 / fpir_match)):,}): the match threshold is just above "
            "the highest non-mated score seen",
            soft_wrap=True,
        )


@app.command("search")
def search_command(
    file: Annotated[Path, typer.Argument(help="ISO/IEC 19794-2 template of the probe finger")],
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Identify one finger against the gallery: decision and candidate list."""
    cfg = bootstrap.settings(data_dir)
    with _reported():
        thresholds = _thresholds(cfg.thresholds_file)
        probe = services.load_capture(file)
        identifier = bootstrap.open_identifier(cfg, thresholds=thresholds)
        result = identifier.identify([probe])
        labels = services.read_labels(cfg.data_dir / LABELS_FILE)
    if as_json:
        typer.echo(json.dumps(_as_dict(result, labels)))
        return
    _print_identification(result, labels)


def _thresholds(path: Path) -> Thresholds:
    """The calibrated decision thresholds; never made up when there are none."""
    if not path.exists():
        raise GalleryError(
            f"no decision thresholds at {path}: run the calibration first "
            "(liaison biometrics calibrate)"
        )
    try:
        return Thresholds.load(path)
    except (ValueError, TypeError) as exc:
        raise GalleryError(f"{path} does not hold thresholds: {exc}") from exc


def _as_dict(result: Identification, labels: dict[int, str]) -> dict[str, object]:
    return {
        "decision": result.decision.value,
        "candidates": [
            {
                "subject": c.subject,
                "label": labels.get(c.subject),
                "score": c.score,
                "finger_scores": {p.name: s for p, s in c.finger_scores.items()},
                "retrieval": c.retrieval,
            }
            for c in result.candidates
        ],
    }


def _print_identification(result: Identification, labels: dict[int, str]) -> None:
    out = Console()
    out.print(f"decision: [bold]{result.decision.value}[/]")
    if not result.candidates:
        out.print("no candidates")
        return
    table = Table()
    for column in ("rank", "subject", "label", "score", "finger scores"):
        table.add_column(
            column, justify="left" if column in ("label", "finger scores") else "right"
        )
    for rank, c in enumerate(result.candidates, 1):
        fingers = ", ".join(f"{p.name} {s:.3f}" for p, s in sorted(c.finger_scores.items()))
        table.add_row(
            str(rank),
            str(c.subject),
            escape(labels.get(c.subject, "")),
            f"{c.score:.3f}",
            escape(fingers),
        )
    out.print(table)
