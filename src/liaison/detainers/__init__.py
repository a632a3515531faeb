"""detainers context."""
