"""The web page's server: frames, downloads that replay exactly, limits, hostile messages.

The browser itself is driven in ``test_web_browser.py``; here the app is called in-process.
"""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hyosan.scenarios.files.writing import to_toml
from hyosan.web import frames
from hyosan.web.app import STATIC, create_app
from hyosan.web.limits import Limits
from hyosan.web.session import Session


def test_shades_rise_with_the_share_turned_on_a_log_scale():
    people = np.full(6, 100_000)
    turned = np.array([0, 1, 10, 1_000, 50_000, 100_000])
    shades = frames.shade(turned, people)
    assert shades[0] == 0 and shades[1] == 1 and shades[-1] == 255  # the legend's ends
    assert np.all(np.diff(shades.astype(int)) > 0)
    assert shades[2] == 52  # one in 10,000: the legend's second stop (1 + 254 / 5)
    assert frames.shade(np.array([0]), np.array([0]))[0] == 0  # an empty place


def test_a_frame_is_a_few_bytes_per_place_and_reads_back():
    totals, shades = np.array([1.0, 2.0, 3.5]), np.arange(425, dtype=np.uint8)
    data = frames.encode(7, 1.25, totals, shades, pane=2)
    assert len(data) == frames.HEADER.size + 3 * 8 + 425
    back = frames.decode(data)
    assert back["frame"] == 7 and back["t"] == 1.25 and back["pane"] == 2
    assert np.array_equal(back["totals"], totals) and np.array_equal(back["shades"], shades)


def test_the_toml_download_reads_back_to_the_same_document():
    doc = {
        "world": {"builtin": "seoul", "options": {"resolution": 250}, "clear_outbreak": True},
        "model": {"parameters": {"beta": 0.1 + 0.2}},
        "outbreak": [{"place": "Sinchon-dong", "compartment": "Z", "count": 1}],
        "interventions": [
            {"kind": "cure", "value": "0.5/hour", "ramp": "2 hours", "start": 1.0000000000000002}
        ],
        "run": {"runs": 1, "seed": 5, "t_end": 3.75, "record_every": 0.25},
    }
    assert tomllib.loads(to_toml(doc, "a header\nof two lines")) == doc


def _replay(tmp_path, session: Session) -> np.ndarray:
    from hyosan import load
    from hyosan.cli import app

    path = tmp_path / "page.toml"
    path.write_text(session.export_toml())
    out = tmp_path / "page.nc"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return load(out)["counts"].isel(run=0).sum("region").values


def test_hyosan_run_on_the_download_reproduces_the_page_count_for_count(tmp_path):
    """Seoul from a clicked dong: the crossings closed at 1 h, a bomb at 1.5 h, a cure at 1.75 h
    (a ramp, checked at every frame). Adaptive tau's history depends on where chunks end, so
    this holds only if the page stops exactly where ``simulate`` does; a bomb's time is recorded
    after the bomb, as ``simulate`` records it."""
    session = Session()
    session.setup("seoul", 11, {"beta": 100.0}, "Sinchon-dong")
    for frame, action in ((4, "close-crossings"), (6, "bomb"), (7, "cure")):
        while session.run.frame < frame:
            assert session.step() is not None
        session.act(action, "Mapo-gu")
    for _ in range(2):
        session.step()
    page = np.array(session.history)
    assert len(page) == 10 and page[-1].sum() > 0
    replayed = _replay(tmp_path, session)
    assert replayed.shape == page.shape
    assert np.array_equal(replayed, page)
    # the test can fail: the same page without its buttons is another history
    plain = Session()
    plain.setup("seoul", 11, {"beta": 100.0}, "Sinchon-dong")
    for _ in range(9):
        plain.step()
    assert not np.array_equal(np.array(plain.history), page)


@pytest.mark.parametrize(
    ("world", "place", "presses"),
    [
        ("hyosan-high", None, ((10, "cordon", "class-2-5"), (20, "cull", "corridor-3F"),
                               (25, "evacuate", "corridor-2F"), (30, "close-gate", None))),
        ("lattice", "50,50", ((15, "bomb", "grid"), (20, "evacuate", "grid"))),
    ],
)  # fmt: skip
def test_the_other_worlds_replay_exactly_too(tmp_path, world, place, presses):
    """Hyosan High runs fixed tau steps with its own barricade triggers; the lattice's SZR has
    no cull or cure. Each button's history replays from the download."""
    session = Session()
    session.setup(world, 4, {}, place)
    for frame, action, region in presses:
        while session.run.frame < frame:
            assert session.step() is not None
        session.act(action, region)
    for _ in range(5):
        session.step()
    page = np.array(session.history)
    assert np.array_equal(_replay(tmp_path, session), page)


def test_a_story_button_outside_its_world_is_refused_by_name():
    from hyosan import HyosanError

    session = Session()
    session.setup("lattice", 1)
    with pytest.raises(HyosanError, match="does not apply") as error:
        session.act("close-crossings")
    assert error.value.key == "action"
    with pytest.raises(HyosanError, match="action"):
        session.act("nuke", "grid")


@pytest.fixture(scope="module")
def client():
    app = create_app(Limits(sessions=2, runs=20, message_bytes=512), warm_worlds=())
    with TestClient(app) as client:
        yield client


def _json(ws) -> dict:
    while True:
        message = ws.receive()
        if message.get("text") is not None:
            return json.loads(message["text"])


HOSTILE = [
    b"\x00\x01binary",
    "not json",
    "[1, 2, 3]",
    '{"type": 5}',
    '{"type": "__init__"}',
    '{"type": "no-such-thing"}',
    "[" * 400 + "]" * 400,
    json.dumps({"type": "setup", "world": "x" * 600}),  # over the message limit
    json.dumps({"type": "setup", "world": "../../etc/passwd"}),
    json.dumps({"type": "setup", "world": "lattice", "place": -1}),
    json.dumps({"type": "setup", "world": "lattice", "place": "nowhere"}),
    json.dumps({"type": "setup", "world": "lattice", "params": {"beta": "lots"}}),
    json.dumps({"type": "setup", "world": "lattice", "params": {"beta": 1e300}}),
    json.dumps({"type": "setup", "world": "lattice", "params": {"rm -rf": 1}}),
    json.dumps({"type": "setup", "world": "lattice", "seed": -3}),
    json.dumps({"type": "step"}),  # nothing set up yet
    json.dumps({"type": "speed", "fps": "fast"}),
    json.dumps({"type": "histories", "runs": 10**9}),
]


def test_hostile_messages_get_an_error_and_the_session_lives_on(client):
    with client.websocket_connect("/ws") as ws:
        assert _json(ws)["type"] == "hello"
        for message in HOSTILE:
            if isinstance(message, bytes):
                ws.send_bytes(message)
            else:
                ws.send_text(message)
            reply = _json(ws)
            assert reply["type"] == "error", (message[:40], reply)
        ws.send_text(json.dumps({"type": "setup", "world": "lattice", "seed": 3, "place": 5050}))
        ready = _json(ws)
        assert ready["type"] == "ready" and ready["compartments"] == ["S", "Z", "R"]
        first = frames.decode(ws.receive_bytes())
        assert first["t"] == 0.0 and first["shades"][5050] > 0 and first["shades"].sum() > 0
        ws.send_text(json.dumps({"type": "step"}))
        assert frames.decode(ws.receive_bytes())["t"] == pytest.approx(1.0)
        ws.send_text(json.dumps({"type": "hover", "place": 5050}))
        assert _json(ws)["name"] == "50,50"


def test_more_pages_than_the_limit_are_told_the_server_is_busy(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        assert _json(a)["type"] == "hello" and _json(b)["type"] == "hello"
        with client.websocket_connect("/ws") as c:
            reply = _json(c)
            assert reply["type"] == "busy" and "at most 2" in reply["message"]
    with client.websocket_connect("/ws") as d:  # they closed: room again
        assert _json(d)["type"] == "hello"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/static//etc/passwd",
        "/download/nobody/scenario.toml",
        "/download/x/..%2f..%2fapp.py",
        "/api/world/..%2fapp",
    ],
)
def test_files_come_only_from_the_static_folder(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text and "root:" not in response.text


def test_the_page_and_its_own_scripts_are_served_with_nothing_from_outside(client):
    page = client.get("/").text
    assert "/static/app.js" in page
    for name in ("app.js", "style.css"):
        text = client.get(f"/static/{name}").text
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text
    assert "https://" not in page and "http://" not in page


def test_a_session_ends_at_its_lifetime():
    app = create_app(Limits(lifetime_s=0.5), warm_worlds=())
    with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        assert _json(ws)["type"] == "hello"
        assert _json(ws)["type"] == "closing"


def test_the_netcdf_download_holds_the_page_history(client, tmp_path):
    import xarray as xr

    with client.websocket_connect("/ws") as ws:
        token = _json(ws)["token"]
        ws.send_text(json.dumps({"type": "setup", "world": "lattice", "seed": 3, "place": 5050}))
        assert _json(ws)["type"] == "ready"
        shown = [frames.decode(ws.receive_bytes())["totals"]]
        for _ in range(3):
            ws.send_text(json.dumps({"type": "step"}))
            shown.append(frames.decode(ws.receive_bytes())["totals"])
        response = client.get(f"/download/{token}/results.nc")
        assert response.status_code == 200
        path = tmp_path / "page.nc"
        path.write_bytes(response.content)
        with xr.open_dataset(path) as ds:
            counts = ds["counts"].isel(run=0).sum("region").values
        assert np.array_equal(counts, np.array(shown))
        toml = client.get(f"/download/{token}/scenario.toml").text
        assert tomllib.loads(toml)["run"]["seed"] == 3


def test_a_world_larger_than_the_limit_is_refused_by_name():
    app = create_app(Limits(places=1000), warm_worlds=())
    with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        assert _json(ws)["type"] == "hello"
        ws.send_text(json.dumps({"type": "setup", "world": "lattice"}))  # 10,000 cells
        reply = _json(ws)
        assert reply["type"] == "error" and reply["key"] == "world" and "1000" in reply["message"]
        assert client.get("/api/world/lattice").status_code == 413
        ws.send_text(json.dumps({"type": "setup", "world": "hyosan-high"}))  # 66 places
        assert _json(ws)["type"] == "ready"


def test_the_page_says_warming_up_until_the_kernels_are_ready():
    app = create_app(warm_worlds=("lattice",))
    with TestClient(app) as client:
        first = client.get("/api/status").json()
        assert set(first) >= {"ready", "doing", "limits"}
        app.state.warmth.ready.wait(120)
        status = client.get("/api/status").json()
        assert status["ready"] and status["error"] is None and status["doing"] == "ready"
    assert "warming up" in (STATIC / "index.html").read_text()
