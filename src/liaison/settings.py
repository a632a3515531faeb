"""Settings, read from the environment when ``bootstrap`` asks, never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Where Liaison keeps its data, and how hard it may work."""

    data_dir: Path = Path("data")
    workers: int = 0  # processes for batch work; 0 = one per core
    database_url: str = ""  # empty: the embedded SQLite file under data_dir
    token_minutes: int = 15  # lifetime of a person's access token

    @property
    def gallery_dir(self) -> Path:
        return self.data_dir / "gallery"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def thresholds_file(self) -> Path:
        return self.data_dir / "thresholds.json"

    @property
    def jwt_key_file(self) -> Path:
        return self.data_dir / "jwt.key"

    @property
    def store_url(self) -> str:
        """The database: ``LIAISON_DATABASE_URL``, else a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'liaison.db').resolve()}"

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> Settings:
        """Settings from ``LIAISON_*`` variables; an explicit argument wins."""
        env_dir = os.environ.get("LIAISON_DATA_DIR")
        return cls(
            data_dir=data_dir or (Path(env_dir) if env_dir else Path("data")),
            workers=int(os.environ.get("LIAISON_WORKERS", "0")),
            database_url=os.environ.get("LIAISON_DATABASE_URL", ""),
            token_minutes=int(os.environ.get("LIAISON_TOKEN_MINUTES", "15")),
        )

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)
