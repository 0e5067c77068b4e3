"""The documents' pictures: every image a page links exists, every validation figure is shown,
and the gallery's files stay small enough for a repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
PAGES = [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_linked_image_exists(page: Path) -> None:
    missing = [link for link in IMAGE.findall(page.read_text(encoding="utf-8"))
               if not (page.parent / link).is_file()]  # fmt: skip
    assert not missing, f"{page.name} links images that do not exist: {missing}"


def test_validation_shows_every_figure() -> None:
    shown = set(IMAGE.findall((DOCS / "validation.md").read_text(encoding="utf-8")))
    figures = {f"validation/{p.name}" for p in (DOCS / "validation").glob("*.png")}
    assert figures and figures <= shown, f"not shown: {sorted(figures - shown)}"


def test_gallery_files_are_small() -> None:
    limits = {".png": 300_000, ".gif": 2_000_000}
    files = [p for p in (DOCS / "gallery").iterdir() if p.suffix in limits]
    assert files
    large = [f"{p.name}: {p.stat().st_size:,} bytes" for p in files
             if p.stat().st_size > limits[p.suffix]]  # fmt: skip
    assert not large, large
