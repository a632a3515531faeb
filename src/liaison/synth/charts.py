"""What the report's sections share: a Matplotlib figure as inline PNG, a table of figures,
an image element. Matplotlib is imported when a chart is drawn, never at import time."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["figure", "img", "png", "rows"]


def png(fig: Any) -> str:
    """The figure as base64 PNG, without the Matplotlib version (the same seed, the same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode()


@contextmanager
def figure(width: float = 8.5, height: float = 3.6) -> Iterator[tuple[Any, Any]]:
    """A (figure, axes) pair with the report's look; closed on leaving."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, axes = plt.subplots(figsize=(width, height))
    try:
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        yield fig, axes
    finally:
        plt.close(fig)


def rows(pairs: Sequence[tuple[str, object]]) -> str:
    """A two-column table: a figure's name and its value."""
    cells = []
    for name, value in pairs:
        shown = f"{value:,}" if isinstance(value, int) else html.escape(str(value))
        cells.append(f"<tr><td>{html.escape(name)}</td><td class='n'>{shown}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


def img(name: str, data: str, alt: str) -> str:
    return (
        f"<figure id='chart-{name}'><img alt='{html.escape(alt)}' "
        f"src='data:image/png;base64,{data}'></figure>"
    )
