from __future__ import annotations

import inspect
import re

from liaison.errors import LiaisonError
from liaison.operations import errors
from liaison.operations.errors import (
    DuplicateRecord,
    NotRequested,
    OperationsError,
    OverlappingDeployment,
    UnknownFacility,
    UnknownRecord,
)

CLASSES = {
    name: cls
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, LiaisonError) and cls is not LiaisonError
}


def test_all_exports_every_error_and_nothing_else() -> None:
    assert sorted(errors.__all__) == sorted(CLASSES)


def test_every_error_is_an_operations_error() -> None:
    for cls in CLASSES.values():
        assert issubclass(cls, OperationsError)


def test_the_docstring_tree_names_every_error() -> None:
    doc = errors.__doc__ or ""
    named = set(re.findall(r"\b([A-Z][A-Za-z]+)\b", doc))
    assert set(CLASSES) <= named


def test_unknowns_and_duplicates_share_a_base() -> None:
    for name, cls in CLASSES.items():
        if name.startswith("Unknown"):
            assert issubclass(cls, UnknownRecord)
        if name.startswith("Duplicate"):
            assert issubclass(cls, DuplicateRecord)
    assert str(UnknownFacility("F9")) == "no detention facility 'F9'"
    assert UnknownFacility("F9").key == "F9"


def test_messages_name_what_was_refused() -> None:
    from datetime import date

    err = OverlappingDeployment(
        deployment_id="D2",
        unit="CBP BORTAC",
        other_id="D1",
        first=date(2025, 6, 10),
        last=date(2025, 6, 10),
    )
    assert str(err) == (
        "deployment 'D2': CBP BORTAC is already deployed under 'D1' from 2025-06-10 to "
        "2025-06-10 (a unit is in one place a day)"
    )
    assert str(NotRequested(declaration_id="MI-1", state="TX")) == (
        "TX was not asked for assistance under declaration 'MI-1'"
    )
