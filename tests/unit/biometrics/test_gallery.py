from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liaison.biometrics.codes import CodeParams, codes_of
from liaison.biometrics.errors import GalleryError
from liaison.biometrics.gallery import Gallery, pack_fingers
from liaison.biometrics.model import ANGLE, FingerTemplate, X, Y


def _batch(templates: list[FingerTemplate], first_subject: int = 0):  # type: ignore[no-untyped-def]
    subjects = list(range(first_subject, first_subject + len(templates)))
    return pack_fingers(subjects, templates, codes_of(templates))


def test_append_and_reopen_keeps_every_finger(
    tmp_path: Path, fvc_db1: dict[tuple[int, int], FingerTemplate]
) -> None:
    templates = list(fvc_db1.values())
    gallery = Gallery.create(tmp_path / "g", code_bytes=CodeParams().nbytes)
    first = gallery.append(_batch(templates[:30]))
    second = gallery.append(_batch(templates[30:], first_subject=30))
    assert (first, second) == (range(0, 30), range(30, 80))

    reopened = Gallery.open(tmp_path / "g")
    assert reopened.rows == 80
    assert reopened.segments == 2
    assert list(reopened.subjects()) == list(range(80))
    for row in (0, 29, 30, 79):
        stored, original = reopened.template(row), templates[row]
        assert stored.count == original.count
        # stored at ISO precision: whole pixels, angles in 1/256 turns
        assert np.allclose(stored.minutiae[:, [X, Y]], original.minutiae[:, [X, Y]], atol=0.5)
        diff = np.angle(np.exp(1j * (stored.minutiae[:, ANGLE] - original.minutiae[:, ANGLE])))
        assert np.abs(diff).max() <= np.pi / 256 + 1e-6


def test_a_crash_during_append_leaves_the_old_gallery(
    tmp_path: Path, fvc_db1: dict[tuple[int, int], FingerTemplate], monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = list(fvc_db1.values())
    gallery = Gallery.create(tmp_path / "g", code_bytes=CodeParams().nbytes)
    gallery.append(_batch(templates[:10]))
    calls = {"n": 0}
    real_save = np.save

    def dying_save(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk gone")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(np, "save", dying_save)
    with pytest.raises(OSError, match="disk gone"):
        gallery.append(_batch(templates[10:20], first_subject=10))
    monkeypatch.undo()

    assert any(p.name.startswith(".tmp-") for p in (tmp_path / "g").iterdir())
    reopened = Gallery.open(tmp_path / "g")
    assert reopened.rows == 10
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "g").iterdir())
    reopened.append(_batch(templates[10:20], first_subject=10))
    assert Gallery.open(tmp_path / "g").rows == 20


def test_damaged_galleries_are_refused_with_a_reason(
    tmp_path: Path, fvc_db1: dict[tuple[int, int], FingerTemplate]
) -> None:
    with pytest.raises(GalleryError, match=r"manifest\.json is missing"):
        Gallery.open(tmp_path / "nothing")
    gallery = Gallery.create(tmp_path / "g", code_bytes=CodeParams().nbytes)
    with pytest.raises(GalleryError, match="already exists"):
        Gallery.create(tmp_path / "g", code_bytes=CodeParams().nbytes)
    gallery.append(_batch(list(fvc_db1.values())[:5]))
    (tmp_path / "g" / "seg-000000" / "codes.npy").unlink()
    with pytest.raises(GalleryError, match=r"missing codes\.npy"):
        Gallery.open(tmp_path / "g")
    (tmp_path / "g" / "manifest.json").write_text("{not json")
    with pytest.raises(GalleryError, match="not valid JSON"):
        Gallery.open(tmp_path / "g")


def test_codes_of_the_wrong_size_are_refused(
    tmp_path: Path, fvc_db1: dict[tuple[int, int], FingerTemplate]
) -> None:
    gallery = Gallery.create(tmp_path / "g", code_bytes=64)
    with pytest.raises(GalleryError, match="codes have shape"):
        gallery.append(_batch(list(fvc_db1.values())[:3]))
    with pytest.raises(GalleryError, match="outside the gallery"):
        gallery.template(0)
