"""Use cases of the biometric engine: load captures, enroll them, score and evaluate folders
(of templates, or of images whose minutiae are extracted first), calibrate the 1:N decision
thresholds.

Every function takes keyword-only arguments (except the two loaders) and raises only
``LiaisonError`` subclasses for bad input: a malformed or unusable file is reported with its
path in the message, before anything is written.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from liaison.biometrics import mcc
from liaison.biometrics.benchmark import PROBE, probe_fingers
from liaison.biometrics.codes import CodeParams, codes_of
from liaison.biometrics.dataset import Sample, discover, fvc_pairs, group_by_database
from liaison.biometrics.enroll_journal import (
    append_labels,
    journal_of,
    next_subject,
    resumed,
    write_journal,
)
from liaison.biometrics.errors import BiometricsError, EvaluationError, GalleryError
from liaison.biometrics.evaluation import ErrorRates, error_rates, score_matrix
from liaison.biometrics.extraction import (
    DEFAULT_METHOD,
    IMAGE_SUFFIXES,
    Method,
    TemplateCache,
    extract_files,
)
from liaison.biometrics.gallery import Gallery, pack_fingers
from liaison.biometrics.identification import Identifier, Thresholds, calibrate, check_fpir
from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import TEN_FINGERS, FingerPosition, FingerTemplate
from liaison.biometrics.validation import check_capture

__all__ = [
    "DatabaseRates",
    "ImageOptions",
    "ProbeShape",
    "Progress",
    "calibrate_thresholds",
    "enroll",
    "enroll_directory",
    "evaluate",
    "evaluate_databases",
    "load_capture",
    "load_fingers",
    "load_samples",
    "read_labels",
    "score_matrix_csv",
]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; ``done`` counts up to ``total`` per stage."""


@dataclass(frozen=True, slots=True)
class DatabaseRates:
    """One database's error rates with the number of comparisons behind them."""

    rates: ErrorRates
    genuine: int
    impostor: int


@dataclass(frozen=True, slots=True)
class ImageOptions:
    """How fingers are taken from image files (.tif .tiff .png .bmp .wsq) rather than templates."""

    method: Method = DEFAULT_METHOD
    ppi: int | None = None  # every image's resolution; None: what each file says, else 500
    cache_dir: Path | None = None  # where extracted templates are kept; None: not kept
    workers: int = 0  # extraction processes; 0: one per core


class ProbeShape(StrEnum):
    """What each calibration search sends; it must be what the searches to be judged send,
    because the fused score of one finger and the mean over ten spread very differently."""

    FINGER = "finger"  # one finger, position unknown: what ``liaison biometrics search`` sends
    TEN_PRINT = "ten-print"  # ten fingers at their positions: a booking


def load_capture(path: Path) -> FingerTemplate:
    """The first finger view of the ISO/IEC 19794-2 record at ``path``, checked for use.

    Raises ``TemplateError`` (malformed record) or ``CaptureError`` (unusable capture) with
    ``path`` at the start of the message.
    """
    try:
        return check_capture(load_template(path))
    except BiometricsError as exc:
        raise _naming(exc, str(path)) from None


def load_samples(
    root: Path, suffixes: Sequence[str] = (".iso",)
) -> list[tuple[Sample, FingerTemplate]]:
    """Every template file under ``root`` (as ``dataset.discover`` finds them), loaded and checked.

    Stops at the first bad file with its ``TemplateError`` or ``CaptureError``, the file's path
    at the start of the message; ``EvaluationError`` when ``root`` holds no such file.
    """
    return [(sample, load_capture(sample.path)) for sample in discover(root, suffixes)]


def load_fingers(
    root: Path, *, images: ImageOptions | None = None, progress: Progress | None = None
) -> list[tuple[Sample, FingerTemplate]]:
    """The fingers under ``root``: its .iso templates (``images`` None, as ``load_samples``), or
    the templates extracted from its image files as ``images`` says.

    A folder may hold both a template and an image of each sample (FVC2002 does): ``images``
    picks which are used, the others are ignored. Extraction runs in parallel and keeps its
    templates in ``images.cache_dir``; ``progress`` hears stage ``"extracting"`` in images.
    Raises ``EvaluationError`` when ``root`` holds no file of the kind asked for, and
    ``ExtractionError`` naming the first image that yields no usable template.
    """
    samples = discover(root, (".iso",) if images is None else IMAGE_SUFFIXES)
    return list(zip(samples, _templates(samples, images, progress), strict=True))


def enroll(
    *,
    gallery: Gallery,
    subjects: Sequence[int],
    templates: Sequence[FingerTemplate],
    code_params: CodeParams | None = None,
) -> range:
    """Append one gallery row per template, filed under the subject at the same index.

    All or nothing: every template is checked (``check_capture``) and every code computed
    before the gallery is touched, so a batch holding one unusable template writes nothing.
    Returns the gallery rows given to the batch.
    """
    if len(subjects) != len(templates):
        raise GalleryError(
            f"{len(subjects)} subjects for {len(templates)} templates: give one per template"
        )
    params = code_params or CodeParams()
    if params.nbytes != gallery.code_bytes:
        raise GalleryError(
            f"the gallery at {gallery.path} holds {gallery.code_bytes}-byte codes; "
            f"these code parameters make {params.nbytes}-byte ones"
        )
    for i, (subject, template) in enumerate(zip(subjects, templates, strict=True)):
        try:
            check_capture(template)
        except BiometricsError as exc:
            raise _naming(exc, f"template {i} (subject {subject})") from None
    codes = codes_of(list(templates), params)
    return gallery.append(pack_fingers(subjects, templates, codes))


ENROLL_CHUNK = 1_000  # template files coded and appended at a time: what a stopped run keeps


def enroll_directory(
    *,
    gallery: Gallery,
    root: Path,
    labels_file: Path,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Enroll every template file under ``root``, each as a new subject; returns how many this
    call enrolled.

    Subjects are numbered on from the gallery's largest (from 1 in an empty gallery, and past
    any enrollment stopped part way), in the order ``dataset.discover`` lists the files. Every
    file is loaded and checked first: a bad file stops the whole directory before anything is
    written. Then the files go ``ENROLL_CHUNK`` at a time: appended to the gallery, then one
    line ``subject<TAB>sample name`` per file appended to ``labels_file`` and flushed to disk;
    ``progress(done, total)`` hears of each chunk.

    Until it finishes, a run keeps a journal beside the labels (the directory, its files and
    the first subject they were given). Run again on the same directory after a stop, it
    resumes: the chunks already in the gallery are kept (and labelled, if the stop fell
    between the two writes) and the rest enrolled under the subjects the journal gave them.
    A finished run removes its journal, so running it again enrolls the files again, as new
    subjects. ``GalleryError`` when the files changed since the run that stopped.
    """
    loaded = load_samples(root)
    names = [sample.name for sample, _ in loaded]
    journal = journal_of(labels_file, root)
    first = resumed(journal, root, names)
    if first is None:
        first = next_subject(gallery.subjects(), labels_file.parent)
        write_journal(journal, root, names, first)
    subjects = list(range(first, first + len(loaded)))
    enrolled = set(np.unique(gallery.subjects()).tolist())
    labelled = read_labels(labels_file)
    # enrolled by the stopped run, its labels not written yet
    pairs = zip(subjects, names, strict=True)
    append_labels(labels_file, [(s, n) for s, n in pairs if s in enrolled and s not in labelled])
    todo = [i for i, s in enumerate(subjects) if s not in enrolled]
    done = len(loaded) - len(todo)
    if progress is not None:
        progress(done, len(loaded))
    for start in range(0, len(todo), ENROLL_CHUNK):
        chunk = todo[start : start + ENROLL_CHUNK]
        enroll(
            gallery=gallery,
            subjects=[subjects[i] for i in chunk],
            templates=[loaded[i][1] for i in chunk],
        )
        append_labels(labels_file, [(subjects[i], names[i]) for i in chunk])
        done += len(chunk)
        if progress is not None:
            progress(done, len(loaded))
    journal.unlink(missing_ok=True)
    return len(todo)


def read_labels(labels_file: Path) -> dict[int, str]:
    """Subject -> sample name, as ``enroll_directory`` wrote them; empty when there is no file.

    Raises ``GalleryError`` naming the line when a line is not ``subject<TAB>name``.
    """
    if not labels_file.exists():
        return {}
    labels: dict[int, str] = {}
    for number, line in enumerate(labels_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line:
            continue
        subject, sep, name = line.partition("\t")
        if not sep or not subject.strip().isdigit():
            raise GalleryError(f"{labels_file} line {number}: expected 'subject<TAB>name'")
        labels[int(subject)] = name
    return labels


def score_matrix_csv(
    *,
    root: Path,
    out: Path,
    progress: Progress | None = None,
    images: ImageOptions | None = None,
) -> int:
    """All-against-all MCC scores of every template under ``root`` (or of every image, with
    ``images``: see ``load_fingers``), as a square CSV at ``out``.

    The header row is ``sample`` then every sample's name; each row starts with its sample's
    name, then its scores with 6 decimals. The file is written beside ``out`` and renamed over
    it, so a reader never sees half of it. ``progress`` hears stage ``"matching"`` in
    comparisons. Returns the number of samples.
    """
    loaded = load_fingers(root, images=images, progress=progress)
    matrix = _matrix([t for _, t in loaded], "matching", progress)
    names = [sample.name for sample, _ in loaded]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["sample", *names])
            for name, row in zip(names, matrix, strict=True):
                writer.writerow([name, *(f"{v:.6f}" for v in row)])
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(names)


def evaluate_databases(
    *,
    root: Path,
    impostors: str = "all",
    progress: Progress | None = None,
    images: ImageOptions | None = None,
) -> dict[str, DatabaseRates]:
    """The FVC protocol on each database (first-level folder) under ``root``, with pair counts,
    on its templates or (with ``images``) on its images (see ``load_fingers``).

    Genuine pairs: every two impressions of one finger; impostor pairs: every two different
    fingers (``"all"``) or their first impressions only (``"first"``); pairs never cross
    databases. Files directly in ``root`` form one database named after ``root``. ``progress``
    hears one stage per database, in comparisons (after ``"extracting"``, with ``images``).
    Raises ``EvaluationError`` for an unknown ``impostors`` or a database without genuine or
    impostor pairs, before any matching or extraction.
    """
    if impostors not in ("all", "first"):
        raise EvaluationError(f"impostors must be 'all' or 'first', not {impostors!r}")
    which: Literal["all", "first"] = "all" if impostors == "all" else "first"
    found = discover(root, (".iso",) if images is None else IMAGE_SUFFIXES)
    # templates load in a moment, so a bad file is named first; images are extracted (minutes)
    # only once every database is known to have pairs to compare
    loaded = _templates(found, images, progress) if images is None else []
    # files directly in root have database "", shown under the root folder's name
    databases = {
        name or root.resolve().name: samples for name, samples in group_by_database(found).items()
    }
    pairs = {}
    for name, samples in databases.items():
        genuine, impostor = fvc_pairs(samples, which)
        if impostor.shape[0] == 0:
            raise EvaluationError(f"database {name!r} holds one finger: no impostor pairs")
        pairs[name] = genuine, impostor
    loaded = loaded or _templates(found, images, progress)
    template_of = {sample.name: template for sample, template in zip(found, loaded, strict=True)}
    out: dict[str, DatabaseRates] = {}
    for name, samples in databases.items():
        matrix = _matrix([template_of[s.name] for s in samples], name, progress)
        genuine, impostor = pairs[name]
        rates = error_rates(
            matrix[genuine[:, 0], genuine[:, 1]], matrix[impostor[:, 0], impostor[:, 1]]
        )
        out[name] = DatabaseRates(
            rates=rates, genuine=int(genuine.shape[0]), impostor=int(impostor.shape[0])
        )
    return out


def evaluate(
    *,
    root: Path,
    impostors: str = "all",
    progress: Progress | None = None,
    images: ImageOptions | None = None,
) -> dict[str, ErrorRates]:
    """FVC-protocol error rates per database under ``root`` (see ``evaluate_databases``)."""
    results = evaluate_databases(root=root, impostors=impostors, progress=progress, images=images)
    return {name: result.rates for name, result in results.items()}


def calibrate_thresholds(
    *,
    identifier: Identifier,
    thresholds_file: Path,
    probes: int,
    seed: int,
    fpir_match: float,
    fpir_possible: float,
    shape: ProbeShape = ProbeShape.FINGER,
    progress: Progress | None = None,
) -> Thresholds:
    """Decision thresholds from ``probes`` searches of synthetic people who are not enrolled,
    saved to ``thresholds_file`` (atomically) and returned.

    Each probe is a fresh synthetic person (``benchmark.probe_fingers`` of ``seed``, capture
    stream ``PROBE``) numbered past the gallery's largest subject, so never one of the
    identities a synthetic gallery of the same seed enrolled. ``FINGER`` probes are one finger
    (position ``identity % 10``) with its position made unknown, so it is compared with every
    enrolled finger: exact for a gallery of unknown-position captures (as ``enroll_directory``
    makes from FVC files), conservative (higher thresholds) for a ten-print gallery.
    ``TEN_PRINT`` probes are all ten fingers at their positions. The ``identifier``'s own
    thresholds are not used. ``progress`` hears stage ``"calibration"`` in searches.

    Without an operational set of searches of people known not to be enrolled, synthetic
    non-mates are the only honest source: the thresholds are then only as good as the
    synthetic impostor scores are like real ones. Against FVC2002 templates they run lower, so
    the thresholds err low and the real FPIR exceeds the target
    (``bench/synthetic_calibration.py`` measures by how much). And a threshold at FPIR ``f``
    rests on the ``f * probes`` highest non-mated scores: below ``1 / f`` searches (1,000 at
    FPIR 0.001) it is merely the highest score seen.

    Raises ``EvaluationError`` for fewer than one probe or FPIRs outside
    ``0 < fpir_match <= fpir_possible < 1``, and ``GalleryError`` for an empty gallery, all
    before any search.
    """
    if probes < 1:
        raise EvaluationError(f"calibration needs at least one non-mated search, not {probes}")
    check_fpir(fpir_match=fpir_match, fpir_possible=fpir_possible)
    gallery = identifier.gallery
    if gallery.rows == 0:
        raise GalleryError(f"the gallery at {gallery.path} is empty: enroll before calibrating")
    first = int(gallery.subjects().max()) + 1
    best = np.zeros(probes)
    if progress is not None:
        progress("calibration", 0, probes)
    for k, identity in enumerate(range(first, first + probes)):
        result = identifier.identify(_nonmated_probe(seed, identity, shape))
        best[k] = result.best.score if result.best else 0.0
        if progress is not None:
            progress("calibration", k + 1, probes)
    thresholds = calibrate(best, fpir_match=fpir_match, fpir_possible=fpir_possible)
    thresholds.save(thresholds_file)
    return thresholds


def _nonmated_probe(seed: int, identity: int, shape: ProbeShape) -> list[FingerTemplate]:
    """The fingers one calibration search of synthetic person ``identity`` sends."""
    fingers = probe_fingers(seed, identity, PROBE)
    if shape is ProbeShape.TEN_PRINT:
        return fingers
    finger = next(f for f in fingers if f.position == TEN_FINGERS[identity % 10])
    return [dataclasses.replace(finger, position=FingerPosition.UNKNOWN)]


def _templates(
    samples: Sequence[Sample], images: ImageOptions | None, progress: Progress | None
) -> list[FingerTemplate]:
    """Each sample's template: its file loaded and checked, or extracted from its image."""
    if images is None:
        return [load_capture(sample.path) for sample in samples]

    def advance(done: int, total: int) -> None:
        if progress is not None:
            progress("extracting", done, total)

    return extract_files(
        [sample.path for sample in samples],
        method=images.method,
        ppi=images.ppi,
        cache=TemplateCache(images.cache_dir) if images.cache_dir is not None else None,
        workers=images.workers,
        progress=advance,
    )


def _matrix(
    templates: Sequence[FingerTemplate], stage: str, progress: Progress | None
) -> npt.NDArray[np.float64]:
    """The symmetric score matrix of ``templates``, reporting comparisons done to ``progress``."""
    cylinders = [mcc.encode(t) for t in templates]
    total = len(cylinders) * (len(cylinders) + 1) // 2
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(stage, done, total)

    if progress is not None:
        progress(stage, 0, total)
    return score_matrix(cylinders, progress=advance)


def _naming(exc: BiometricsError, what: str) -> BiometricsError:
    """The same error (type and fields kept), its message now starting with ``what``."""
    exc.args = (f"{what}: {exc}",)
    return exc
