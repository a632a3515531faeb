"""Single-finger 1:N speed: FVC2002 templates repeated with random rigid moves.

    python -m bench.single_finger [--templates 250000] [--probes 100] [--json]

The gallery holds ``--templates`` fingers: every FVC2002 B template, copied under random
rotations (+-180 degrees) and translations, each copy its own subject. Probes are other
impressions of an enrolled finger, so each has mates in the gallery (the copies of its
finger's other impressions). Prints enroll time, search latency percentiles, and how often the
top candidate is a copy of the probe's own finger.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.progress import track

from liaison.biometrics.codes import codes_of
from liaison.biometrics.gallery import Gallery, pack_fingers
from liaison.biometrics.identification import Identifier, SearchParams, Thresholds
from liaison.biometrics.index import CodeIndex
from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import ANGLE, FingerTemplate, X, Y

FVC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fvc2002"


def moved(t: FingerTemplate, rng: np.random.Generator) -> FingerTemplate:
    phi = rng.uniform(-np.pi, np.pi)
    shift = rng.uniform(-60, 60, size=2)
    m = t.minutiae.copy()
    dx, dy = m[:, X] - t.width / 2, m[:, Y] - t.height / 2
    size = 1000  # a canvas big enough for any rotation of a 300 x 400 capture
    m[:, X] = size / 2 + np.cos(phi) * dx + np.sin(phi) * dy + shift[0]
    m[:, Y] = size / 2 - np.sin(phi) * dx + np.cos(phi) * dy + shift[1]
    m[:, ANGLE] = np.mod(m[:, ANGLE] + phi, 2 * np.pi)
    return FingerTemplate(t.position, size, size, m)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--templates", type=int, default=250_000)
    ap.add_argument("--probes", type=int, default=100)
    ap.add_argument("--shortlist", type=int, default=400)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    files = sorted(FVC.glob("DB*_B/*.iso"))
    base = [load_template(f) for f in files]
    finger = np.array([f"{f.parent.name}/{f.stem.split('_')[0]}" for f in files])
    impression = np.array([int(f.stem.split("_")[1]) for f in files])
    rng = np.random.default_rng(1)
    # impressions 1-4 are enrolled (many moved copies); 5-8 are the probes
    enrolled = np.flatnonzero(impression <= 4)
    source = enrolled[np.arange(args.templates) % enrolled.size]
    with tempfile.TemporaryDirectory() as tmp:
        gallery = Gallery.create(Path(tmp) / "g", code_bytes=128)
        t0 = time.perf_counter()
        chunk = 20_000
        for a in track(range(0, args.templates, chunk), description="enroll", transient=True):
            idx = source[a : a + chunk]
            templates = [moved(base[i], rng) for i in idx]
            gallery.append(pack_fingers(range(a, a + len(idx)), templates, codes_of(templates)))
        enroll_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        index = CodeIndex.build(gallery)
        index_s = time.perf_counter() - t1
        identifier = Identifier(
            gallery,
            index,
            Thresholds(match=np.inf, possible=np.inf),
            search=SearchParams(
                per_finger_k=args.shortlist, shortlist=args.shortlist, kept=args.shortlist
            ),
        )
        probe_ids = rng.choice(np.flatnonzero(impression > 4), size=args.probes, replace=False)
        identifier.identify([moved(base[probe_ids[0]], rng)])  # compile before timing
        lat, hits = [], 0
        for p in track(probe_ids, description="search", transient=True):
            q = moved(base[p], rng)
            s = time.perf_counter()
            result = identifier.identify([q])
            lat.append((time.perf_counter() - s) * 1e3)
            best = result.best
            hits += best is not None and finger[source[best.subject]] == finger[p]
    out = {
        "templates": args.templates,
        "probes": args.probes,
        "shortlist": args.shortlist,
        "enroll_seconds": round(enroll_s, 1),
        "index_seconds": round(index_s, 2),
        "index_kind": index.kind(0),
        "search_latency_ms": {
            "p50": round(float(np.percentile(lat, 50)), 1),
            "p95": round(float(np.percentile(lat, 95)), 1),
        },
        "rank1_same_finger": round(hits / args.probes, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(out) if args.json else json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
