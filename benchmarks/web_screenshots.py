"""Screenshots of the page for each world, into docs/web/ (Playwright driving Debian's chromium).

hyosan serve --port 8765 &      # then:
python benchmarks/web_screenshots.py http://127.0.0.1:8765/ docs/web
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SHOTS = (  # world, seed, stop at t, action at t (or None), file
    ("seoul", 1, 150.0, ("close-crossings", 24.0), "seoul.png"),  # the city's pace: days
    ("seoul-250", 1, 120.0, None, "seoul-250.png"),
    ("hyosan-high", 1, 70.0, ("close-gate", 30.0), "hyosan-high.png"),
    ("lattice", 3, 60.0, None, "lattice.png"),  # seed 1's one zombie dies at once (Alemi's odds)
)


def shoot(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        page.wait_for_function("window.hyosan && window.hyosan.ready", timeout=600_000)
        for world, seed, stop, action, name in SHOTS:
            page.select_option("#world", world)
            page.fill("#seed", str(seed))
            page.wait_for_function(f"window.hyosan.geo && window.hyosan.geo.key === '{world}'")
            page.click("#start")
            page.wait_for_function("window.hyosan.started", timeout=120_000)
            if action is not None:
                page.click("#play")
                page.wait_for_function(f"window.hyosan.t >= {action[1]}", timeout=300_000)
                page.click(f"#act-{action[0]}")
                page.wait_for_selector("#timeline li")
            page.click("#play")
            page.wait_for_function(f"window.hyosan.t >= {stop}", timeout=300_000)
            page.click("#pause")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / name))
            if world == "seoul":
                page.fill("#runs", "20")
                page.fill("#horizon", "120")
                page.click("#histories")
                page.wait_for_function("window.hyosan.histories !== null", timeout=600_000)
                page.click("#compare")
                page.wait_for_function("window.hyosan.compareDone === true", timeout=600_000)
                page.screenshot(path=str(out / "seoul-histories-futures.png"), full_page=True)
            page.evaluate("window.hyosan.started = false; window.hyosan.histories = null")
        browser.close()


if __name__ == "__main__":
    shoot(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765/",
        Path(sys.argv[2] if len(sys.argv) > 2 else "docs/web"),
    )
