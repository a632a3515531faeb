"""The one place where settings, stores, indexes and engines are wired together."""

from __future__ import annotations

from pathlib import Path

from liaison.biometrics.codes import CodeParams
from liaison.biometrics.gallery import Gallery
from liaison.biometrics.identification import Identifier, SearchParams, Thresholds
from liaison.biometrics.index import CodeIndex, IndexParams
from liaison.settings import Settings

__all__ = ["open_gallery", "open_identifier", "settings"]


def settings(data_dir: Path | None = None) -> Settings:
    """Settings for this process (environment, overridden by explicit arguments)."""
    return Settings.from_env(data_dir)


def open_gallery(cfg: Settings, *, create: bool = False) -> Gallery:
    """The gallery under the data directory; created empty when asked."""
    code_bytes = CodeParams().nbytes
    if create:
        return Gallery.open_or_create(cfg.gallery_dir, code_bytes=code_bytes)
    return Gallery.open(cfg.gallery_dir)


def open_identifier(
    cfg: Settings,
    *,
    thresholds: Thresholds | None = None,
    search: SearchParams | None = None,
    rebuild_index: bool = False,
) -> Identifier:
    """An identifier over the data directory's gallery, reusing a saved index when current."""
    gallery = open_gallery(cfg)
    index: CodeIndex | None = None
    stamp = cfg.index_dir / "rows"
    if not rebuild_index and stamp.exists() and stamp.read_text() == str(gallery.rows):
        index = CodeIndex.load(cfg.index_dir, gallery.code_bytes * 8, IndexParams())
    if index is None:
        index = CodeIndex.build(gallery, IndexParams())
        index.save(cfg.index_dir)
        stamp.write_text(str(gallery.rows))
    return Identifier(
        gallery,
        index,
        thresholds or Thresholds.load(cfg.thresholds_file),
        search=search,
    )
