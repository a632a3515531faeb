"""Errors of the biometric engine (see ``liaison.errors`` for the whole tree)."""

from liaison.errors import LiaisonError

__all__ = ["BiometricsError", "CaptureError", "EvaluationError", "GalleryError", "TemplateError"]


class BiometricsError(LiaisonError):
    """Something about fingerprints, templates or the gallery went wrong."""


class TemplateError(BiometricsError):
    """A minutiae record is malformed; the message names the field and the byte offset."""

    def __init__(self, message: str, *, field: str, offset: int | None = None) -> None:
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{field}{where}: {message}")
        self.field = field
        self.offset = offset


class CaptureError(BiometricsError):
    """A capture cannot be used: no minutiae, a wrong finger position, coordinates off the image."""


class GalleryError(BiometricsError):
    """The gallery on disk is missing, corrupt, or does not hold what was asked for."""


class EvaluationError(BiometricsError):
    """A dataset cannot be evaluated as asked (no samples, no genuine pairs, ...)."""
