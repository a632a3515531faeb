from __future__ import annotations

from pathlib import Path

import numpy as np

from liaison.biometrics.benchmark import PROBE, enroll_synthetic, probe_fingers
from liaison.biometrics.codes import CodeParams
from liaison.biometrics.gallery import Gallery
from liaison.biometrics.identification import Identifier, SearchParams, Thresholds
from liaison.biometrics.index import CodeIndex


def test_the_index_recalls_the_mate_of_synthetic_mated_probes(tmp_path: Path) -> None:
    """Retrieval alone (no full matching) must shortlist the mate of >= 99% of probes."""
    gallery = Gallery.create(tmp_path / "g", code_bytes=CodeParams().nbytes)
    enroll_synthetic(gallery, identities=400, seed=3, workers=1)
    identifier = Identifier(
        gallery,
        CodeIndex.build(gallery),
        Thresholds(match=np.inf, possible=np.inf),
        search=SearchParams(),
    )
    found = 0
    probes = range(0, 400, 4)
    for identity in probes:
        fingers = probe_fingers(3, identity, PROBE)
        retrieved = identifier._retrieve(fingers)
        shortlist = sorted(retrieved, key=lambda s: -retrieved[s])[: identifier.search.shortlist]
        found += identity in shortlist
    assert found / len(probes) >= 0.99


def test_mated_searches_find_their_mate_and_strangers_do_not_outscore_them(tmp_path: Path) -> None:
    gallery = Gallery.create(tmp_path / "g", code_bytes=CodeParams().nbytes)
    enroll_synthetic(gallery, identities=200, seed=5, workers=1)
    identifier = Identifier(
        gallery, CodeIndex.build(gallery), Thresholds(match=np.inf, possible=np.inf)
    )
    mated = [identifier.identify(probe_fingers(5, i, PROBE)) for i in range(0, 200, 20)]
    strangers = [identifier.identify(probe_fingers(5, i, PROBE)) for i in range(200, 210)]
    assert all(
        r.best is not None and r.best.subject == i
        for r, i in zip(mated, range(0, 200, 20), strict=True)
    )
    assert min(r.best.score for r in mated if r.best) > max(
        r.best.score for r in strangers if r.best
    )
