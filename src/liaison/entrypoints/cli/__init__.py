"""The ``liaison`` command line (Typer)."""
