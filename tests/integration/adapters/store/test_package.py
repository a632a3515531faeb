from __future__ import annotations

import liaison.adapters.store as store


def test_the_public_names_are_pinned() -> None:
    assert sorted(store.__all__) == [
        "ConcurrentUpdate",
        "DuplicateKey",
        "LeaseLost",
        "SqlJobQueue",
        "SqlUnitOfWork",
        "StoreError",
        "make_engine",
        "metadata",
        "start_mappers",
        "upgrade",
    ]
    assert all(hasattr(store, name) for name in store.__all__)
