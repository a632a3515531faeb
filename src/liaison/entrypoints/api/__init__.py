"""The HTTP API (FastAPI): jails, officers, managers and auditors reach Liaison through it."""
