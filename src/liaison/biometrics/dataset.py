"""Fingerprint samples on disk and the comparison pairs an accuracy evaluation runs over.

Laid out as the FVC competitions publish them: one folder per database, files ``FFF_I.ext``
where ``FFF`` names the finger and ``I`` the impression. A finger is identified by its folder
and ``FFF`` together (``DB1_B/101``), so finger 101 of DB1 and of DB2 are different fingers.
Pairs never cross databases: FVC evaluates each database (each sensor) on its own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import EvaluationError

__all__ = ["Sample", "discover", "fvc_pairs", "group_by_database"]

Pairs = npt.NDArray[np.int64]

_FVC_STEM = re.compile(r"^(?P<finger>.+)_(?P<impression>\d+)$")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class Sample:
    """One impression of one finger: ``DB1_B/101_3.iso`` is finger ``DB1_B/101``, impression 3.

    Files not named ``FFF_I`` are each their own finger (impression 0).
    """

    name: str
    path: Path
    finger_id: str
    impression: int

    @property
    def database(self) -> str:
        """The first folder under the discovery root ("" for files directly in it)."""
        head, sep, _ = self.finger_id.partition("/")
        return head if sep else ""


def discover(root: Path, suffixes: Sequence[str] = (".iso",)) -> list[Sample]:
    """Every file under ``root`` (recursively) whose name ends in one of ``suffixes``.

    Suffixes match case-insensitively. Samples come sorted by relative path, numbers in names
    compared as numbers (``101_2`` before ``101_10``). Names are the relative path without the
    suffix, separators replaced by ``-`` (``DB1_B/101_3.iso`` -> ``DB1_B-101_3``). Raises
    ``EvaluationError`` when ``root`` is not a directory, holds no such file, or two files would
    get the same name.
    """
    root = Path(root)
    if not root.is_dir():
        raise EvaluationError(f"sample root {root} is not a directory")
    wanted = sorted((s.lower() for s in suffixes), key=len, reverse=True)
    found: list[tuple[tuple[tuple[int | str, ...], ...], Sample]] = []
    for path in root.rglob("*"):
        lowered = path.name.lower()
        suffix = next((s for s in wanted if lowered.endswith(s)), None)
        if suffix is None or not path.is_file():
            continue
        relative = path.relative_to(root)
        stem = path.name[: len(path.name) - len(suffix)]
        folders = relative.parent.parts
        sample = _sample(path, folders, stem)
        found.append((tuple(_natural(part) for part in (*folders, stem)), sample))
    if not found:
        raise EvaluationError(f"no files ending in {', '.join(suffixes)} under {root}")
    found.sort(key=lambda item: item[0])
    samples = [sample for _, sample in found]
    names: dict[str, Path] = {}
    for sample in samples:
        if sample.name in names:
            raise EvaluationError(
                f"{names[sample.name]} and {sample.path} would both be named {sample.name!r}"
            )
        names[sample.name] = sample.path
    return samples


def group_by_database(samples: Iterable[Sample]) -> dict[str, list[Sample]]:
    """Samples grouped by their database (first folder under the root), in first-seen order."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.database].append(sample)
    return dict(groups)


def fvc_pairs(
    samples: Sequence[Sample], impostors: Literal["all", "first"] = "all"
) -> tuple[Pairs, Pairs]:
    """Genuine and impostor comparisons as ``(k, 2)`` arrays of indices into ``samples``.

    Genuine: every pair of impressions of one finger (FVC: 28 per finger, 280 per database).
    Impostor, ``"all"``: every pair of different fingers of one database (2,880 per FVC B
    database); ``"first"``: the first (lowest-numbered) impression of each finger against that
    of every other finger of its database (45 per FVC B database). Each pair is ``(i, j)`` with
    ``i < j``; rows are sorted. Raises ``EvaluationError`` when there are no samples, no genuine
    pairs, or ``impostors`` is neither "all" nor "first".
    """
    if impostors not in ("all", "first"):
        raise EvaluationError(f"impostors must be 'all' or 'first', not {impostors!r}")
    if not samples:
        raise EvaluationError("no samples to pair")
    finger_codes = {
        finger: code for code, finger in enumerate(dict.fromkeys(s.finger_id for s in samples))
    }
    fingers = np.array([finger_codes[s.finger_id] for s in samples], dtype=np.int64)
    impressions = np.array([s.impression for s in samples], dtype=np.int64)
    first = _first_impressions(fingers, impressions)

    genuine: list[Pairs] = []
    impostor: list[Pairs] = []
    by_database: dict[str, list[int]] = defaultdict(list)
    for index, sample in enumerate(samples):
        by_database[sample.database].append(index)
    for indices in by_database.values():
        members = np.array(indices, dtype=np.int64)
        i, j = np.triu_indices(members.size, k=1)
        pairs = np.stack([members[i], members[j]], axis=1)
        same = fingers[pairs[:, 0]] == fingers[pairs[:, 1]]
        genuine.append(pairs[same])
        cross = ~same
        if impostors == "first":
            cross &= first[pairs[:, 0]] & first[pairs[:, 1]]
        impostor.append(pairs[cross])

    genuine_pairs = _sorted(genuine)
    if genuine_pairs.shape[0] == 0:
        raise EvaluationError(
            f"no genuine pairs among {len(samples)} samples: no finger has two impressions"
        )
    return genuine_pairs, _sorted(impostor)


def _sample(path: Path, folders: tuple[str, ...], stem: str) -> Sample:
    name = "-".join((*folders, stem))
    match = _FVC_STEM.match(stem)
    finger, impression = (match["finger"], int(match["impression"])) if match else (stem, 0)
    return Sample(
        name=name,
        path=path,
        finger_id="/".join((*folders, finger)),
        impression=impression,
    )


def _natural(text: str) -> tuple[int | str, ...]:
    """Sort key comparing digit runs as numbers; text and numbers alternate, so never mixed."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(_DIGITS.split(text)))


def _first_impressions(fingers: Pairs, impressions: Pairs) -> npt.NDArray[np.bool_]:
    """True for the one sample per finger with the lowest impression number (earliest on ties)."""
    order = np.lexsort((np.arange(fingers.size), impressions, fingers))
    is_first = np.ones(order.size, dtype=bool)
    is_first[1:] = fingers[order[1:]] != fingers[order[:-1]]
    first = np.zeros(fingers.size, dtype=bool)
    first[order[is_first]] = True
    return first


def _sorted(chunks: list[Pairs]) -> Pairs:
    pairs = np.concatenate(chunks) if chunks else np.empty((0, 2), dtype=np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
