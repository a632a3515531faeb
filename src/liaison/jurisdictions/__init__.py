"""jurisdictions context."""
