"""Small PNG figures for the validation report; matplotlib is imported only when one is drawn."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hyosan.validation.core import CaseResult


@contextlib.contextmanager
def panels(
    path: Path | None, result: CaseResult, ncols: int = 2, nrows: int = 1, title: str = ""
) -> Iterator[Any]:
    """Yield a flat array of axes (or None when no figure is wanted) and save a small PNG.

    Without matplotlib the case still runs; the result notes that no figure was drawn.
    """
    if path is None:
        yield None
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        result.note("no figure: matplotlib is not installed")
        yield None
        return
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    try:
        yield axes.ravel()
        if title:
            fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=72)
        result.figure = path.name
    finally:
        plt.close(fig)


def style(ax: Any, xlabel: str, ylabel: str, title: str = "", legend: bool = True) -> None:
    """Labels and a compact legend."""
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, frameon=False)
