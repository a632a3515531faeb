"""The journal that lets a directory enrollment (``services.enroll_directory``) stopped part
way resume where it stopped, and the labels file it appends to.

A journal, ``.enroll-<digest of the directory>.json`` beside the labels, holds the directory,
how many files it enrolls, a digest of their names and the first subject they were given
(the others follow in order). It is written before the first chunk and removed when the last
is done, so one that exists names an enrollment that has not finished.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import GalleryError

__all__ = ["append_labels", "journal_of", "next_subject", "resumed", "write_journal"]


def journal_of(labels_file: Path, root: Path) -> Path:
    """Where an enrollment of ``root`` keeps its journal until it finishes."""
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return labels_file.parent / f".enroll-{digest}.json"


def _names_digest(names: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def resumed(journal: Path, root: Path, names: Sequence[str]) -> int | None:
    """The first subject a stopped enrollment of ``root`` gave its files; None when none
    stopped. ``GalleryError`` when the files are not the ones it was enrolling."""
    try:
        held = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise GalleryError(f"{journal}: an unreadable enrollment journal: {exc}") from exc
    if held.get("names") != _names_digest(names) or held.get("count") != len(names):
        raise GalleryError(
            f"the files under {root} changed since an enrollment of them stopped part way "
            f"(subjects from {held.get('first')}, journal {journal}): restore them to finish "
            "it, or remove the journal to enroll them anew"
        )
    return int(held["first"])


def next_subject(enrolled: npt.NDArray[np.int64], folder: Path) -> int:
    """The first subject free for new files: past the largest ``enrolled`` (1 when none), and
    past the subjects enrollments stopped part way gave files they have not enrolled yet."""
    after = int(enrolled.max()) if enrolled.size else 0
    for journal in folder.glob(".enroll-*.json"):
        try:
            held = json.loads(journal.read_text(encoding="utf-8"))
            after = max(after, int(held["first"]) + int(held["count"]) - 1)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return after + 1


def write_journal(journal: Path, root: Path, names: Sequence[str], first: int) -> None:
    """Record that ``root``'s files ``names`` are enrolled as subjects ``first``, ``first+1``,
    ... (written whole or not at all)."""
    body = {
        "root": str(root.resolve()),
        "count": len(names),
        "names": _names_digest(names),
        "first": first,
    }
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = journal.with_name(f"{journal.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    os.replace(tmp, journal)


def append_labels(labels_file: Path, rows: Sequence[tuple[int, str]]) -> None:
    """Append ``subject<TAB>name`` lines, flushed to disk."""
    if not rows:
        return
    labels_file.parent.mkdir(parents=True, exist_ok=True)
    with open(labels_file, "a", encoding="utf-8") as fh:
        fh.writelines(f"{subject}\t{name}\n" for subject, name in rows)
        fh.flush()
        os.fsync(fh.fileno())
