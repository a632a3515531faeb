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
    audit_key_path: str = ""  # empty: the audit key ring in the data directory
    audit_checkpoint_path: str = ""  # empty: checkpoints.jsonl in the data directory
    audit_checkpoint_every: int = 1000  # anchor the audit trail's head every N entries
    # how long a worker holds a job before another may take it over (a killed worker's job
    # waits this long): longer than the slowest search, or a slow search is redone twice
    job_lease_seconds: float = 120.0

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
    def audit_key_file(self) -> Path:
        """The audit MAC key ring: ``LIAISON_AUDIT_KEY_FILE``, else in the data directory."""
        return Path(self.audit_key_path) if self.audit_key_path else self.data_dir / "audit.keys"

    @property
    def audit_checkpoint_file(self) -> Path:
        """Checkpoints of the audit trail's head: ``LIAISON_AUDIT_CHECKPOINTS``, else in the
        data directory."""
        if self.audit_checkpoint_path:
            return Path(self.audit_checkpoint_path)
        return self.data_dir / "checkpoints.jsonl"

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
            audit_key_path=os.environ.get("LIAISON_AUDIT_KEY_FILE", ""),
            audit_checkpoint_path=os.environ.get("LIAISON_AUDIT_CHECKPOINTS", ""),
            audit_checkpoint_every=int(os.environ.get("LIAISON_AUDIT_CHECKPOINT_EVERY", "1000")),
            job_lease_seconds=float(os.environ.get("LIAISON_JOB_LEASE_SECONDS", "120")),
        )

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)
