"""Liaison: booking fingerprints, identification, detainers, screening and operations."""

__all__ = ["__version__"]

__version__ = "0.1.0"
