"""Errors of the biometric engine (see ``liaison.errors`` for the whole tree)."""

from liaison.errors import LiaisonError

__all__ = [
    "BiometricsError",
    "CaptureError",
    "EvaluationError",
    "ExtractionError",
    "GalleryError",
    "TemplateError",
    "TransactionError",
]


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


class ExtractionError(BiometricsError):
    """An image yields no usable minutiae: not a fingerprint image (blank, noise, too small),
    too little of a finger on it, too few minutiae, or a quality below the usable threshold;
    the message says which and by how much."""


class GalleryError(BiometricsError):
    """The gallery on disk is missing, corrupt, or does not hold what was asked for."""


class EvaluationError(BiometricsError):
    """A dataset cannot be evaluated as asked (no samples, no genuine pairs, ...)."""


class TransactionError(BiometricsError):
    """An ANSI/NIST-ITL transaction is malformed; the message names the record (its place in
    the transaction, counting the Type-1 as record 1, and its type), the field and the byte
    offset from the start of the transaction."""

    def __init__(
        self,
        message: str,
        *,
        field: str,
        offset: int | None,
        record_index: int | None = None,
        record_type: int | None = None,
    ) -> None:
        parts = []
        if record_index is not None:
            kind = f" (Type-{record_type})" if record_type is not None else ""
            parts.append(f"record {record_index}{kind}")
        parts.append(f"field {field}")
        if offset is not None:
            parts.append(f"byte {offset}")
        super().__init__(f"{', '.join(parts)}: {message}")
        self.field = field
        self.offset = offset
        self.record_index = record_index
        self.record_type = record_type
