"""The web app: the page, its static files, each world's map, and one websocket per page.

Every page gets its own :class:`~hyosan.web.session.Session`; its blocking work (building worlds,
advancing kernels, many histories) runs in worker threads, so the event loop only moves
messages. Frames go as binary messages (:mod:`hyosan.web.frames`), everything else as JSON.
Static files come only from the package's ``static`` folder (Starlette's StaticFiles refuses
paths that leave it).
"""

from __future__ import annotations

import logging
import secrets
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from hyosan.errors import HyosanError
from hyosan.web import actions, worlds
from hyosan.web.connection import Connection
from hyosan.web.limits import Limits
from hyosan.web.warm import Warmth, warm

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("hyosan.web")


def create_app(limits: Limits | None = None, warm_worlds: tuple[str, ...] | None = None) -> FastAPI:
    """The app; it starts warming up (building worlds, compiling kernels) in a thread."""
    limits = limits or Limits()
    warmth = Warmth()
    app = FastAPI(title="hyosan", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.limits = limits
    app.state.warmth = warmth
    app.state.connections: dict[str, Connection] = {}
    app.state.lock = threading.Lock()
    chosen = tuple(warm_worlds if warm_worlds is not None else worlds.WORLDS)
    threading.Thread(target=warm, args=(warmth, chosen), daemon=True, name="warm").start()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api/status")
    def status() -> dict[str, Any]:
        return {
            **warmth.status(),
            "sessions": len(app.state.connections),
            "limits": limits.__dict__,
        }

    @app.get("/api/worlds")
    def list_worlds() -> list[dict[str, Any]]:
        out = []
        for key, w in worlds.WORLDS.items():
            entry: dict[str, Any] = {"key": key, "label": w.label}
            if warmth.ready.is_set() or key in chosen[:1]:
                try:
                    scenario = worlds.loaded(key).scenario
                except HyosanError as error:
                    entry["error"] = str(error)
                else:
                    entry.update(_world_entry(key, scenario, limits))
            out.append(entry)
        return out

    @app.get("/api/world/{key}")
    def world_map(key: str) -> Response:
        from hyosan.web.geometry import page_geometry

        if key not in worlds.WORLDS:
            raise HTTPException(404, f"no world {key!r}")
        if worlds.loaded(key).scenario.places.n_places > limits.places:
            raise HTTPException(413, f"world {key!r} is larger than {limits.places} places")
        return Response(page_geometry(key), media_type="application/json")

    @app.get("/download/{token}/{name}")
    async def download(token: str, name: str) -> Response:
        conn = app.state.connections.get(token)
        if conn is None:
            raise HTTPException(404, "no such session (it may have closed)")
        if name == "scenario.toml":
            text = await conn.call(conn.session.export_toml)
            return Response(
                text,
                media_type="application/toml",
                headers=_attachment(
                    f"hyosan-{conn.session.world_key}-seed{conn.session.seed}.toml"
                ),
            )
        if name == "results.nc":
            data = await conn.call(conn.session.export_netcdf)
            return Response(
                data,
                media_type="application/x-netcdf",
                headers=_attachment(f"hyosan-{conn.session.world_key}-seed{conn.session.seed}.nc"),
            )
        raise HTTPException(404, "downloads are scenario.toml and results.nc")

    @app.websocket("/ws")
    async def socket(ws: WebSocket) -> None:
        await ws.accept()
        with app.state.lock:
            busy = len(app.state.connections) >= limits.sessions
            token = secrets.token_urlsafe(16)
            conn = None if busy else Connection(ws, token, limits, warmth)
            if conn is not None:
                app.state.connections[token] = conn
        if conn is None:
            await ws.send_json(
                {
                    "type": "busy",
                    "message": f"the server is busy: it runs at "
                    f"most {limits.sessions} simulations at once; try again soon",
                }
            )
            await ws.close(code=1013)
            return
        try:
            await conn.serve()
        except WebSocketDisconnect:
            pass
        finally:
            conn.close()
            with app.state.lock:
                app.state.connections.pop(token, None)

    return app


def _world_entry(key: str, scenario: Any, limits: Limits) -> dict[str, Any]:
    return {
        "places": scenario.places.n_places,
        "too_large": scenario.places.n_places > limits.places,
        "time_unit": scenario.model.time_unit,
        "t_end": worlds.world(key).t_end,
        "histories_t_end": worlds.world(key).histories_t_end,
        "sliders": worlds.sliders(key),
        "actions": actions.available(scenario, worlds.extra(key)),
        "action_labels": actions.ACTIONS,
        "regions": list(scenario.places.regions),
    }


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    limits: Limits | None = None,
) -> None:
    """Run the app with uvicorn until Ctrl-C, printing its address."""
    import uvicorn

    url = f"http://{host}:{port}/"
    print(f"hyosan serve: {url} (kernels warm up first; Ctrl-C stops)", flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(create_app(limits), host=host, port=port, log_level="warning")
