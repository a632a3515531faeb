"""Each public module of the operations context says what it exports, and exports it."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "liaison.operations",
    "liaison.operations.agreements",
    "liaison.operations.capacity",
    "liaison.operations.declarations",
    "liaison.operations.deployments",
    "liaison.operations.errors",
    "liaison.operations.model",
    "liaison.operations.ports",
    "liaison.operations.services",
    "liaison.operations.targets",
    "liaison.operations.zones",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute}"


def test_the_ports() -> None:
    from liaison.operations import ports

    assert sorted(ports.__all__) == [
        "AgreementRepository",
        "DeclarationRepository",
        "DeploymentRepository",
        "FacilityRepository",
        "OperationsFacts",
        "OperationsUnitOfWork",
        "TargetRepository",
    ]
