"""The root of every error Liaison raises on purpose.

The tree, one line a class (each context's ``errors.py`` holds its own branch):

    LiaisonError
    └── BiometricsError                 liaison.biometrics.errors
        ├── TemplateError               a minutiae record is malformed (names field and offset)
        ├── CaptureError                a capture is unusable (no minutiae, bad position, ...)
        ├── GalleryError                the on-disk gallery is missing, corrupt or inconsistent
        └── EvaluationError             a dataset cannot be evaluated as asked

HTTP status codes never live here: the API layer maps these classes in one table.
"""

__all__ = ["LiaisonError"]


class LiaisonError(Exception):
    """Base class for errors that carry a message meant for the person who caused them."""
