"""Shared fixtures: where the real public data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import FingerTemplate

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FVC = SHARED_DATA / "fvc2002"


@pytest.fixture(scope="session")
def fvc_dir() -> Path:
    assert FVC.is_dir(), f"the FVC2002 data is expected at {FVC}"
    return FVC


@pytest.fixture(scope="session")
def fvc_db1(fvc_dir: Path) -> dict[tuple[int, int], FingerTemplate]:
    """DB1_B templates keyed by (finger 101..110, impression 1..8)."""
    out = {}
    for f in sorted((fvc_dir / "DB1_B").glob("*.iso")):
        finger, impression = (int(v) for v in f.stem.split("_"))
        out[(finger, impression)] = load_template(f)
    return out
