"""The page in a real browser, scripted as a person would use it (Playwright + Debian's chromium).

Playwright's own browser download is not reachable here, so the tests drive the system's
``chromium`` (``.ci/run`` installs it); a missing browser fails them, it does not skip them.
One server per module keeps the kernels warm.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time

import numpy as np
import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from hyosan.web.app import create_app

PALE = "#f4f1ea"  # a place where nobody turned (shadeColour(0) in app.js)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    app = create_app(warm_worlds=("seoul", "hyosan-high"))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is missing: apt-get install chromium (.ci/run does)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 950}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    page.wait_for_function("window.hyosan && window.hyosan.ready", timeout=240_000)
    yield page
    context.close()
    assert not errors, errors


def _fill(page, place: int) -> str:
    return page.locator(f'#map [data-place="{place}"]').get_attribute("fill")


def test_a_person_drops_a_zombie_in_seoul_closes_the_bridges_and_takes_the_run_home(page, tmp_path):
    page.select_option("#world", "seoul")
    page.wait_for_selector("#map path.place")
    names = page.evaluate("window.hyosan.geo.names")
    dong = names.index("Sinchon-dong")
    assert _fill(page, dong) == PALE
    page.locator(f'#map path.place[data-place="{dong}"]').click()
    page.wait_for_function("window.hyosan.frame >= 1", timeout=60_000)
    assert page.inner_text("#clock") != "t = 0.00 hours"
    # the first bitten turns within hours of the city's clock: the dong takes a colour
    page.wait_for_function(
        f"document.querySelector('#map [data-place=\"{dong}\"]').getAttribute('fill') !== '{PALE}'",
        timeout=60_000,
    )
    page.click("#act-close-crossings")
    page.wait_for_selector("#timeline li", timeout=30_000)
    assert "close the Han crossings" in page.inner_text("#timeline")
    page.click("#pause")
    page.wait_for_function("!window.hyosan.playing", timeout=30_000)
    page.locator(f'#map path.place[data-place="{dong}"]').hover()
    page.wait_for_function("document.querySelector('#tooltip').innerText.includes('Zombie')")
    assert "Sinchon-dong" in page.inner_text("#tooltip")

    # take it home: hyosan run on the download reproduces the page's curves count for count
    with page.expect_download() as download:
        page.click("#dl-toml")
    toml = tmp_path / "page.toml"
    download.value.save_as(toml)
    shown = np.array(page.evaluate("window.hyosan.totals"))
    from hyosan import load
    from hyosan.cli import app

    out = tmp_path / "page.nc"
    result = CliRunner().invoke(app, ["run", str(toml), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    replayed = load(out)["counts"].isel(run=0).sum("region").values
    assert np.array_equal(replayed, shown)

    # many histories to one hour, with a band and the south bank's odds
    page.fill("#runs", "20")
    page.fill("#horizon", "1")
    page.click("#histories")
    page.wait_for_function("window.hyosan.histories !== null", timeout=180_000)
    assert page.evaluate("window.hyosan.histories.runs") == 20
    assert "south bank still human" in page.inner_text("#odds")
    bands = np.array(page.evaluate("window.hyosan.histories.bands"))
    assert np.all(bands[0] <= bands[1]) and np.all(bands[1] <= bands[2])

    # two futures, in step: the page's plan against nothing done
    page.click("#compare")
    page.wait_for_function("window.hyosan.compareDone === true", timeout=180_000)
    assert page.locator("#pane-1 path.place").count() == len(names)
    assert "close-crossings" in page.inner_text("#pane-label-1")
    compare = page.evaluate("window.hyosan.compare")
    assert compare["labels"][1] == "nothing done"
    assert page.evaluate("window.hyosan.compareFrames") == 2 * len(compare["times"])


def test_hyosan_high_shows_its_floor_plan_with_room_names_and_hover_counts(page):
    page.select_option("#world", "hyosan-high")
    # the world before it (Seoul) still has its paths for a moment: wait for the school's labels
    page.wait_for_function("document.querySelectorAll('#map text.room').length > 20")
    page.click("#start")  # the world's own first case, in the science lab
    page.wait_for_function("window.hyosan.started")
    page.click("#play")
    page.wait_for_function("window.hyosan.t >= 45", timeout=60_000)
    page.click("#pause")
    shades = page.evaluate("Array.from(window.hyosan.shades)")
    assert max(shades) > 0
    geo = json.loads(page.evaluate("JSON.stringify(window.hyosan.geo.names)"))
    lab = geo.index(next(n for n in geo if "science" in n))
    page.locator(f'#map [data-place="{lab}"]').hover()
    page.wait_for_function("document.querySelector('#tooltip').innerText.includes('Susceptible')")


def test_the_lattice_is_drawn_as_cells_that_answer_clicks_and_hovers(page):
    page.select_option("#world", "lattice")
    page.wait_for_function("window.hyosan.geo && window.hyosan.geo.mode === 'cells'")
    canvas = page.locator("#map canvas")
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.505, box["y"] + box["height"] * 0.505)
    page.wait_for_function("window.hyosan.started && window.hyosan.frame >= 2", timeout=60_000)
    page.click("#pause")
    clicked = page.evaluate("window.hyosan.place")
    assert page.evaluate(f"window.hyosan.geo.names[{clicked}]") == "50,50"
    page.mouse.move(box["x"] + box["width"] * 0.505, box["y"] + box["height"] * 0.505)
    page.wait_for_function("document.querySelector('#tooltip').innerText.includes('50,50')")
