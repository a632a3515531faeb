"""Capture checks: real FVC2002 templates pass, each kind of unusable capture is named."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from liaison.biometrics import validation
from liaison.biometrics.errors import CaptureError
from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import (
    ANGLE,
    KIND,
    QUALITY,
    TEN_FINGERS,
    FingerPosition,
    FingerTemplate,
    TenPrint,
    X,
    Y,
    minutiae_array,
)
from liaison.biometrics.validation import check_capture, check_ten_print

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
FVC = DATA / "fvc2002"


def finger(position: FingerPosition = FingerPosition.RIGHT_INDEX, n: int = 5) -> FingerTemplate:
    return FingerTemplate(
        position=position,
        width=300,
        height=400,
        minutiae=minutiae_array(
            x=np.linspace(0, 299, n),
            y=np.linspace(0, 399, n),
            angle=np.linspace(0, 6.28, n),
            kind=np.arange(n) % 3,
            quality=np.linspace(0, 100, n),
        ),
    )


def with_value(t: FingerTemplate, column: int, value: float) -> FingerTemplate:
    minutiae = t.minutiae.copy()
    minutiae[2, column] = value
    return replace(t, minutiae=minutiae)


def test_exports_are_pinned() -> None:
    assert sorted(validation.__all__) == ["check_capture", "check_ten_print"]


def test_every_real_fvc_template_is_a_usable_capture() -> None:
    paths = sorted(FVC.rglob("*.iso"))
    assert len(paths) == 320
    for path in paths:
        t = load_template(path)
        assert check_capture(t, min_minutiae=10) is t


def test_real_fvc_templates_have_no_finger_position() -> None:
    t = load_template(FVC / "DB1_B" / "101_1.iso")
    with pytest.raises(CaptureError, match="required but UNKNOWN"):
        check_capture(t, require_position=True)


def test_a_good_capture_is_returned_unchanged() -> None:
    t = finger()
    assert check_capture(t, require_position=True) is t


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (X, -0.5, "minutia 2 has x = -0.5, negative"),
        (X, 300.0, "minutia 2 has x = 300, beyond the width 300"),
        (Y, -1.0, "minutia 2 has y = -1, negative"),
        (Y, 400.0, "minutia 2 has y = 400, beyond the height 400"),
        (X, math.nan, "minutia 2 has a NaN or infinite value"),
        (ANGLE, math.inf, "minutia 2 has a NaN or infinite value"),
        (QUALITY, math.nan, "minutia 2 has a NaN or infinite value"),
        (ANGLE, -0.01, "minutia 2 has angle -0.01, not in [0, 2pi)"),
        (ANGLE, 2 * math.pi, "not in [0, 2pi)"),
        (KIND, 3.0, "minutia 2 has kind 3, not a MinutiaKind"),
        (KIND, 1.5, "minutia 2 has kind 1.5, not a MinutiaKind"),
        (QUALITY, 101.0, "minutia 2 has quality 101, not 0-100"),
        (QUALITY, -1.0, "minutia 2 has quality -1, not 0-100"),
    ],
)
def test_a_bad_minutia_is_named(column: int, value: float, message: str) -> None:
    with pytest.raises(CaptureError) as caught:
        check_capture(with_value(finger(), column, value))
    assert message in str(caught.value)
    assert "finger RIGHT_INDEX" in str(caught.value)


def test_the_first_offender_is_named_with_a_count() -> None:
    t = finger(n=8)
    minutiae = t.minutiae.copy()
    minutiae[[3, 5, 6], X] = 1000
    with pytest.raises(CaptureError, match=r"minutia 3 has x = 1000.*\(3 minutiae affected\)"):
        check_capture(replace(t, minutiae=minutiae))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"width": 0}, "width is 0; it must be positive"),
        ({"height": -4}, "height is -4; it must be positive"),
        ({"resolution_ppcm": 0}, "resolution is 0; it must be positive"),
        ({"quality": 101}, "finger quality 101 is outside 0-100"),
        ({"quality": -1}, "finger quality -1 is outside 0-100"),
        ({"impression": 16}, "impression type 16 is outside 0-15"),
        ({"position": cast(FingerPosition, 11)}, "position 11 is outside 0-10"),
        ({"position": cast(FingerPosition, -1)}, "position -1 is outside 0-10"),
        ({"minutiae": np.zeros((3, 4), np.float32)}, "minutiae have shape (3, 4), not (n, 5)"),
        ({"minutiae": np.zeros((0, 5), np.float32)}, "0 minutiae, fewer than the 1 required"),
    ],
)
def test_an_unusable_capture_is_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CaptureError) as caught:
        check_capture(replace(finger(), **changes))  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_minimum_minutiae_is_configurable() -> None:
    t = finger(n=5)
    assert check_capture(t, min_minutiae=5) is t
    with pytest.raises(CaptureError, match="5 minutiae, fewer than the 6 required"):
        check_capture(t, min_minutiae=6)
    empty = finger(n=0)
    assert check_capture(empty, min_minutiae=0) is empty


# --- ten-prints -----------------------------------------------------------------------------


def ten_print() -> TenPrint:
    return TenPrint(fingers={p: finger(p) for p in TEN_FINGERS})


def test_a_complete_ten_print_passes_and_is_returned() -> None:
    tp = ten_print()
    assert check_ten_print(tp) is tp


def test_a_partial_ten_print_passes() -> None:
    tp = TenPrint(fingers={FingerPosition.LEFT_THUMB: finger(FingerPosition.LEFT_THUMB)})
    assert check_ten_print(tp) is tp


def test_an_empty_ten_print_is_rejected() -> None:
    with pytest.raises(CaptureError, match="holds no fingers"):
        check_ten_print(TenPrint())


def test_a_misfiled_finger_is_rejected() -> None:
    fingers = ten_print().fingers
    fingers[FingerPosition.LEFT_RING] = finger(FingerPosition.RIGHT_RING)
    del fingers[FingerPosition.RIGHT_RING]
    with pytest.raises(CaptureError, match="filed under finger LEFT_RING is of finger RIGHT_RING"):
        check_ten_print(TenPrint(fingers=fingers))


def test_two_fingers_claiming_one_position_are_rejected() -> None:
    fingers = ten_print().fingers
    fingers[FingerPosition.RIGHT_INDEX] = finger(FingerPosition.RIGHT_THUMB)
    with pytest.raises(
        CaptureError,
        match="two fingers claim finger RIGHT_THUMB: those filed under finger RIGHT_THUMB "
        "and finger RIGHT_INDEX",
    ):
        check_ten_print(TenPrint(fingers=fingers))


@pytest.mark.parametrize("filed", [FingerPosition.UNKNOWN, cast(FingerPosition, 12)])
def test_a_finger_filed_outside_the_ten_positions_is_rejected(filed: FingerPosition) -> None:
    fingers = {filed: finger(filed)}
    with pytest.raises(CaptureError, match="not a position 1-10"):
        check_ten_print(TenPrint(fingers=fingers))


def test_every_finger_must_be_a_usable_capture() -> None:
    fingers = ten_print().fingers
    fingers[FingerPosition.LEFT_LITTLE] = finger(FingerPosition.LEFT_LITTLE, n=0)
    with pytest.raises(CaptureError, match="finger LEFT_LITTLE: 0 minutiae"):
        check_ten_print(TenPrint(fingers=fingers))
    assert check_ten_print(TenPrint(fingers=fingers), min_minutiae=0)
