"""Minutiae from fingerprint images: agreement with the FVC2002 ISO records (a commercial SDK's
minutiae of the same images), matching from images, refusals, image files and the cache."""

from __future__ import annotations

import dataclasses
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from liaison.biometrics import extraction, mcc
from liaison.biometrics.errors import ExtractionError
from liaison.biometrics.extraction import (
    QUALITY_THRESHOLD,
    Extraction,
    Method,
    TemplateCache,
    extract,
    extract_files,
    load_image,
)
from liaison.biometrics.iso19794 import load_template, read_template, write_record
from liaison.biometrics.model import ANGLE, QUALITY, FingerPosition, MinutiaKind, X, Y
from liaison.biometrics.wsq_codec import encode_wsq

# tests/unit/biometrics/this file: parents[4] is the folder beside the project root
FVC = Path(__file__).resolve().parents[4] / "shared" / "data" / "fvc2002"
ISO_FRAME = (300, 400)  # width, height: every FVC2002 ISO record's image size


@cache
def image(name: str) -> npt.NDArray[np.uint8]:
    """``DB1_B/101_1`` as a read-only array."""
    pixels, _ = load_image(FVC / f"{name}.tif")
    pixels.flags.writeable = False
    return pixels


@cache
def extracted(name: str, method: Method = Method.CLASSICAL) -> Extraction:
    return extract(image(name), ppi=500, method=method)


def test_exports() -> None:
    assert sorted(extraction.__all__) == [
        "DEFAULT_METHOD",
        "DEFAULT_PPI",
        "Extraction",
        "IMAGE_SUFFIXES",
        "MIN_COHERENCE",
        "MIN_FOREGROUND",
        "MIN_MINUTIAE",
        "MIN_SIDE",
        "Method",
        "QUALITY_THRESHOLD",
        "STEPS",
        "Steps",
        "TemplateCache",
        "extract",
        "extract_files",
        "extractor_version",
        "load_image",
    ]


def _in_iso_frame(m: npt.NDArray[np.float32], width: int, height: int) -> npt.NDArray[np.float64]:
    """Minutiae of an FVC image mapped into its ISO record's frame.

    The SDK behind the FVC2002 records stretched every image to 300x400 pixels, each axis on
    its own (DB1's 388x374 by 0.77 and 1.07): positions scale per axis, and a direction
    (cos, sin) becomes (cos * sx, sin * sy).
    """
    sx, sy = ISO_FRAME[0] / width, ISO_FRAME[1] / height
    angle = np.arctan2(np.sin(m[:, ANGLE]) * sy, np.cos(m[:, ANGLE]) * sx)
    return np.column_stack([m[:, X] * sx, m[:, Y] * sy, angle])


def _coinciding(ours: npt.NDArray[np.float64], theirs: npt.NDArray[np.float32]) -> float:
    """Share of ``ours`` within 12 pixels and 30 degrees of one of ``theirs``."""
    distance = np.hypot(
        ours[:, None, 0] - theirs[None, :, X], ours[:, None, 1] - theirs[None, :, Y]
    )
    turn = np.abs(np.angle(np.exp(1j * (ours[:, None, 2] - theirs[None, :, ANGLE]))))
    return float(((distance <= 12) & (turn <= np.radians(30))).any(axis=1).mean())


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("DB1_B/101_1", Method.CLASSICAL),
        ("DB2_B/102_3", Method.CLASSICAL),
        ("DB4_B/101_1", Method.CLASSICAL),
        ("DB1_B/101_1", Method.LEARNED),
    ],
)
def test_minutiae_coincide_with_the_iso_record_directions_included(
    name: str, method: Method
) -> None:
    result = extracted(name, method)
    iso = load_template(FVC / f"{name}.iso").minutiae
    height, width = image(name).shape
    ours = _in_iso_frame(result.template.minutiae, width, height)
    assert _coinciding(ours, iso) >= 0.6
    # a direction turned around (a ridge ending's pointing out of its ridge, say) agrees rarely
    reversed_ = ours.copy()
    reversed_[:, 2] += np.pi
    assert _coinciding(reversed_, iso) <= 0.25
    mirrored = ours.copy()  # y pointing down instead of up
    mirrored[:, 2] *= -1
    assert _coinciding(mirrored, iso) <= 0.25


def test_the_template_describes_the_image() -> None:
    result = extracted("DB1_B/101_1")
    t = result.template
    assert (t.width, t.height, t.resolution_ppcm) == (388, 374, 197)
    assert t.position == FingerPosition.UNKNOWN
    assert t.quality == result.quality >= QUALITY_THRESHOLD
    assert result.minutiae == t.count >= extraction.MIN_MINUTIAE
    assert set(np.unique(t.minutiae[:, 3])) <= {MinutiaKind.RIDGE_ENDING, MinutiaKind.BIFURCATION}
    assert t.minutiae[:, QUALITY].min() >= 1
    assert t.minutiae[:, QUALITY].max() <= 100
    assert 0.2 < result.foreground < 1.0
    assert 0.0 < result.coherence < 1.0
    assert result.seconds > 0
    assert extract(image("DB1_B/101_1"), ppi=500, position=7).template.position == 7


def test_genuine_pairs_from_images_outscore_impostors() -> None:
    names = [f"DB1_B/{finger}_{impression}" for finger in (101, 102, 103) for impression in (1, 2)]
    cylinders = [mcc.encode(extracted(name).template) for name in names]
    genuine = [mcc.similarity(cylinders[i], cylinders[i + 1]) for i in (0, 2, 4)]
    impostor = [
        mcc.similarity(cylinders[i], cylinders[j])
        for i in range(6)
        for j in range(i + 1, 6)
        if i // 2 != j // 2
    ]
    assert min(genuine) > max(impostor)


def test_another_resolution_is_resampled_and_the_minutiae_scaled_back() -> None:
    pixels = image("DB2_B/102_3")
    at_569 = extract(pixels, ppi=569).template
    assert (at_569.width, at_569.height, at_569.resolution_ppcm) == (296, 560, 224)
    assert at_569.minutiae[:, X].max() < 296
    assert at_569.minutiae[:, Y].max() < 560
    # the same ridges found either way: most minutiae coincide in the image's own pixels
    at_500 = extracted("DB2_B/102_3").template.minutiae
    ours = np.column_stack([at_569.minutiae[:, [X, Y, ANGLE]]])
    assert _coinciding(ours.astype(np.float64), at_500) >= 0.5


@pytest.mark.parametrize(
    ("pixels", "message"),
    [
        (np.full((374, 388), 255, np.uint8), "blank: every pixel is 255"),
        (np.full((374, 388), 7, np.uint8) + np.eye(374, 388, dtype=np.uint8), "blank"),
        (
            np.random.default_rng(1).integers(0, 256, (374, 388), dtype=np.uint8),
            "no ridge pattern",
        ),
        (np.random.default_rng(2).integers(0, 256, (40, 40), dtype=np.uint8), "too small"),
        (np.zeros((374, 388, 3), np.uint8), "greyscale image"),
        (np.zeros((374, 388), np.float32), "greyscale image"),
    ],
    ids=["white", "nearly-blank", "uniform-noise", "tiny", "colour", "float"],
)
def test_what_is_not_a_fingerprint_is_refused_saying_why(
    pixels: npt.NDArray[np.uint8], message: str
) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract(pixels, ppi=500)


def test_too_little_finger_is_refused() -> None:
    # a 98x98 piece (5 mm square): big enough to look at, too little finger to identify
    piece = np.ascontiguousarray(image("DB1_B/101_1")[140:238, 150:248])
    with pytest.raises(ExtractionError, match="too little finger"):
        extract(piece, ppi=500)


def test_a_bad_resolution_or_position_is_refused() -> None:
    with pytest.raises(ExtractionError, match="ppi"):
        extract(image("DB1_B/101_1"), ppi=72)
    with pytest.raises(ExtractionError, match="finger position 11"):
        extract(image("DB1_B/101_1"), ppi=500, position=11)


def test_quality_falls_with_the_image() -> None:
    sharp = extracted("DB1_B/101_1").quality
    import cv2

    blurred = cv2.GaussianBlur(np.asarray(image("DB1_B/101_1")), (0, 0), 2.5)
    try:
        worse = extract(np.asarray(blurred, np.uint8), ppi=500).quality
    except ExtractionError:
        worse = 0
    assert worse < sharp


def test_load_image_reads_tiff_png_bmp_and_wsq_with_their_resolution(tmp_path: Path) -> None:
    pixels, ppi = load_image(FVC / "DB1_B" / "101_1.tif")
    assert pixels.shape == (374, 388)
    assert pixels.dtype == np.uint8
    assert ppi == 500  # FVC2002's TIFFs say 1 dpi: not believed
    assert load_image(FVC / "DB1_B" / "101_1.tif", ppi=569)[1] == 569

    Image.fromarray(pixels).save(tmp_path / "a.png", dpi=(1000, 1000))
    Image.fromarray(pixels).convert("RGB").save(tmp_path / "b.bmp")
    png, png_ppi = load_image(tmp_path / "a.png")
    bmp, bmp_ppi = load_image(tmp_path / "b.bmp", default_ppi=400)
    assert png_ppi == 1000
    assert np.array_equal(png, pixels)
    assert bmp_ppi == 400
    assert np.array_equal(bmp, pixels)

    (tmp_path / "c.wsq").write_bytes(encode_wsq(pixels, ppi=569))
    wsq, wsq_ppi = load_image(tmp_path / "c.wsq")
    assert wsq.shape == pixels.shape
    assert wsq_ppi == 569
    assert float(np.abs(wsq.astype(np.int16) - pixels).mean()) < 6.0


def test_an_unreadable_image_names_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wsq"
    bad.write_bytes(b"not an image at all")
    with pytest.raises(ExtractionError, match=r"bad\.wsq: not a readable image"):
        load_image(bad)
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ExtractionError, match=r"bad\.png: not a readable image"):
        load_image(tmp_path / "bad.png")


def test_a_wsq_image_extracts_like_its_original(tmp_path: Path) -> None:
    path = tmp_path / "101_1.wsq"
    path.write_bytes(encode_wsq(np.asarray(image("DB1_B/101_1"))))
    (template,) = extract_files([path], method=Method.CLASSICAL, workers=1)
    original = extracted("DB1_B/101_1").template
    assert (template.width, template.height) == (original.width, original.height)
    assert mcc.similarity(mcc.encode(template), mcc.encode(original)) > 0.5


def test_the_cache_is_hit_on_a_second_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [shutil.copy(FVC / "DB1_B" / f"101_{i}.tif", tmp_path) for i in (1, 2)]
    files = [Path(p) for p in paths]
    cache = TemplateCache(tmp_path / "cache")
    heard: list[tuple[int, int]] = []
    first = extract_files(
        files,
        method=Method.CLASSICAL,
        cache=cache,
        workers=1,
        progress=lambda d, t: heard.append((d, t)),
    )
    assert heard[-1] == (2, 2)
    assert len(list((tmp_path / "cache").rglob("*.iso"))) == 2

    def no_extraction(*args: object) -> None:
        raise AssertionError("extracted again despite the cache")

    monkeypatch.setattr(extraction, "_extract_file", no_extraction)
    second = extract_files(files, method=Method.CLASSICAL, cache=cache, workers=1)
    assert all(a.same_as(b) for a, b in zip(first, second, strict=True))
    assert second[0].quality == first[0].quality > 0
    # another method is another key: a miss
    with pytest.raises(AssertionError, match="despite the cache"):
        extract_files(files[:1], cache=cache, method=Method.LEARNED, workers=1)


def test_a_corrupt_cache_record_is_a_miss(tmp_path: Path) -> None:
    cache = TemplateCache(tmp_path)
    key = cache.key(b"image bytes", Method.CLASSICAL, None)
    assert cache.get(key) is None
    cache.put(key, extracted("DB1_B/101_1").template)
    assert cache.get(key) is not None
    (record,) = tmp_path.rglob("*.iso")
    record.write_bytes(record.read_bytes()[:30])
    assert cache.get(key) is None
    assert cache.key(b"image bytes", Method.CLASSICAL, 569) != key
    assert cache.key(b"image bytes!", Method.CLASSICAL, None) != key


def test_a_refused_file_is_named(tmp_path: Path) -> None:
    Image.fromarray(np.full((300, 300), 200, np.uint8)).save(tmp_path / "blank.png")
    with pytest.raises(ExtractionError, match=r"blank\.png: the image is blank"):
        extract_files([tmp_path / "blank.png"], workers=1)


def test_extraction_in_worker_processes_gives_the_same_templates(tmp_path: Path) -> None:
    files = [FVC / "DB1_B" / f"101_{i}.tif" for i in (1, 2, 3)]
    pooled = extract_files(files, method=Method.CLASSICAL, workers=2)
    for path, template in zip(files, pooled, strict=True):
        fresh = extracted(f"DB1_B/{path.stem}").template
        assert template.same_as(read_template(write_record([fresh])))


def test_extraction_is_frozen() -> None:
    result = extracted("DB1_B/101_1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.quality = 5  # type: ignore[misc]
