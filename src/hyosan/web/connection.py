"""One page's websocket: its messages, its player, its limits.

Messages from the page are JSON objects with a ``type``; anything else (binary, too long, not
JSON, an unknown type, bad values) gets ``{"type": "error", ...}`` and the session lives on.
Blocking work runs in a worker thread, one call at a time per session (``call``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from hyosan.errors import HyosanError
from hyosan.web import actions, histories, worlds
from hyosan.web.limits import Limits
from hyosan.web.session import Session
from hyosan.web.warm import KERNELS_ONE_AT_A_TIME, Warmth

log = logging.getLogger("hyosan.web")


class Connection:
    """A page's session and the tasks that serve it."""

    def __init__(self, ws: WebSocket, token: str, limits: Limits, warmth: Warmth) -> None:
        self.ws, self.token, self.limits, self.warmth = ws, token, limits, warmth
        self.session = Session()
        self.lock = threading.Lock()  # held by the worker thread, even if its waiter is cancelled
        self.player: asyncio.Task | None = None
        self.task: asyncio.Task | None = None  # many histories or two futures, if running
        self.fps = 10.0
        self.playing = False
        self.closed = False
        self.busy_with: str | None = None
        self.started = time.monotonic()

    async def call(self, function: Any, *args: Any) -> Any:
        """Run blocking session work in a worker thread, one call at a time."""

        def locked() -> Any:
            with self.lock:
                return self.kernels(function, *args)

        return await asyncio.to_thread(locked)

    def kernels(self, function: Any, *args: Any) -> Any:
        """Call ``function`` (in a worker thread), alone if kernels cannot share the process."""
        if self.warmth.shareable:
            return function(*args)
        with KERNELS_ONE_AT_A_TIME:
            return function(*args)

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self.ws.send_text(json.dumps(message))
        except RuntimeError as error:  # the page closed its socket meanwhile: a disconnect
            if not self.socket_gone():
                raise
            self.closed = True
            raise WebSocketDisconnect(1000) from error

    def socket_gone(self) -> bool:
        """Whether either side has closed the socket (sending then raises a RuntimeError)."""
        from starlette.websockets import WebSocketState

        gone = WebSocketState.DISCONNECTED
        return self.ws.application_state == gone or self.ws.client_state == gone

    async def error(self, message: str, key: str | None = None) -> None:
        await self.send({"type": "error", "message": message, "key": key})

    def close(self) -> None:
        self.closed = True
        self.playing = False
        for task in (self.player, self.task):
            if task is not None:
                task.cancel()
        self.session = Session()  # drop the simulation's arrays now

    # ------------------------------------------------------------------------------------------
    async def serve(self) -> None:
        await self.send(
            {
                "type": "hello",
                "token": self.token,
                "status": self.warmth.status(),
                "limits": self.limits.__dict__,
            }
        )
        while True:
            left = self.limits.lifetime_s - (time.monotonic() - self.started)
            if left <= 0:
                await self.send(
                    {
                        "type": "closing",
                        "message": "session lifetime reached "
                        f"({self.limits.lifetime_s:g} s): reload the page",
                    }
                )
                await self.ws.close(code=1000)
                return
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout=left)
            except TimeoutError:
                continue
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            if text is None:
                await self.error("messages are JSON text, not binary")
                continue
            if len(text.encode("utf-8", "replace")) > self.limits.message_bytes:
                await self.error(f"message longer than {self.limits.message_bytes} bytes")
                continue
            try:
                data = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                await self.error("not JSON")
                continue
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                await self.error("expected an object with a 'type'", key="type")
                continue
            try:
                await self.handle(data)
            except HyosanError as error:
                await self.error(error.message, key=error.key)
            except WebSocketDisconnect:
                raise
            except RuntimeError as error:
                if not self.socket_gone():  # a bug, not a page that left: as below
                    log.exception("message %r failed", data.get("type"))
                    await self.error(f"internal error: {type(error).__name__}")
                    continue
                raise WebSocketDisconnect(1000) from error
            except Exception as error:  # a bug must not end the session: say it, log it
                log.exception("message %r failed", data.get("type"))
                await self.error(f"internal error: {type(error).__name__}")

    async def handle(self, data: dict[str, Any]) -> None:
        kind = data["type"]
        handler = getattr(self, f"on_{kind}", None) if kind.isidentifier() else None
        if handler is None:
            raise HyosanError(f"unknown message type {kind!r}", key="type")
        if kind in self.BACKGROUND:
            if self.busy_with is not None:
                raise HyosanError(f"still running {self.busy_with}: wait for it", key="type")
            self.busy_with = kind
            self.task = asyncio.create_task(self.background(handler, data))
            return
        await handler(data)

    BACKGROUND = ("histories", "compare")
    """Long work, run beside the page's other messages (play, pause, hover keep working)."""

    async def background(self, handler: Any, data: dict[str, Any]) -> None:
        try:
            await handler(data)
        except HyosanError as error:
            await self.error(error.message, key=error.key)
        except Exception as error:  # closed page, or a bug: log it, keep the session
            if not self.closed:
                log.exception("background %r failed", data.get("type"))
                with contextlib.suppress(Exception):
                    await self.error(f"internal error: {type(error).__name__}")
        finally:
            self.busy_with = None

    # ------------------------------------------------------------------------------------------
    async def on_setup(self, data: dict[str, Any]) -> None:
        await self.pause_player()
        world = data.get("world", "seoul")
        if not isinstance(world, str):
            raise HyosanError(f"expected a world name, got {world!r}", key="world")
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise HyosanError("expected an object of parameter values", key="params")
        from hyosan.web.worlds import loaded

        if loaded(world).scenario.places.n_places > self.limits.places:
            raise HyosanError(f"larger than this server's {self.limits.places} places", key="world")
        ready = await self.call(
            self.session.setup, world, data.get("seed", 1), params, data.get("place")
        )
        await self.send(ready)
        await self.ws.send_bytes(await self.call(self.session.frame))

    async def on_reset(self, data: dict[str, Any]) -> None:
        await self.pause_player()
        await self.send(await self.call(self.session.restart))
        await self.ws.send_bytes(await self.call(self.session.frame))

    async def on_play(self, data: dict[str, Any]) -> None:
        if "fps" in data:
            await self.on_speed(data)
        self.session.live()
        if not self.playing:
            self.playing = True
            self.player = asyncio.create_task(self.play())

    async def on_pause(self, data: dict[str, Any]) -> None:
        await self.pause_player()
        await self.send({"type": "paused"})

    async def on_step(self, data: dict[str, Any]) -> None:
        await self.pause_player()
        frame = await self.call(self.session.step)
        if frame is None:
            await self.send({"type": "ended"})
        else:
            await self.ws.send_bytes(frame)

    async def on_speed(self, data: dict[str, Any]) -> None:
        fps = data.get("fps")
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
            raise HyosanError(f"expected frames per second > 0, got {fps!r}", key="fps")
        self.fps = min(float(fps), self.limits.max_fps)

    async def on_act(self, data: dict[str, Any]) -> None:
        region = data.get("region")
        if region is not None and not isinstance(region, str):
            raise HyosanError(f"expected a region name, got {region!r}", key="region")
        action = data.get("action")
        if not isinstance(action, str):
            raise HyosanError(f"expected an action name, got {action!r}", key="action")
        await self.send(await self.call(self.session.act, action, region))
        await self.ws.send_bytes(await self.call(self.session.frame))

    async def on_hover(self, data: dict[str, Any]) -> None:
        if self.session.run is None:
            return
        await self.send(await self.call(self.session.place_info, data.get("place")))

    async def on_curves(self, data: dict[str, Any]) -> None:
        await self.send(await self.call(self.session.curves))

    async def on_histories(self, data: dict[str, Any]) -> None:
        runs = data.get("runs", 100)
        if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= self.limits.runs:
            raise HyosanError(f"expected 1 to {self.limits.runs} runs, got {runs!r}", key="runs")
        session = self.session
        document = await self.call(session.export_document)
        document["run"]["t_end"] = self.horizon(data)
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            message = {"type": "progress", "done": done, "total": total}
            asyncio.run_coroutine_threadsafe(self.send(message), loop)

        extra = worlds.extra(session.world_key)
        result = await asyncio.to_thread(
            self.kernels,
            histories.run_histories,
            document,
            runs,
            session.seed,
            extra,
            progress,
            lambda: self.closed,
        )
        await self.send(result)

    async def on_compare(self, data: dict[str, Any]) -> None:
        """Two futures: the page's plan (or, if it has none, the story's first button at the
        world's ``story_at``) against nothing done; same world, same seed; frames in step."""
        await self.pause_player()
        session = self.session
        run = session.live()
        document = await self.call(session.export_document)
        document["run"]["t_end"] = self.horizon(data)
        plan_a = list(session.page_items)
        label_a = ", ".join(f"{e['action']} at t = {e['t']:g}" for e in session.timeline)
        if not plan_a:
            hour = worlds.world(session.world_key).story_at
            extra = worlds.extra(session.world_key)
            can = actions.available(run.scenario, extra)
            first = next(a for a in ("close-crossings", "close-gate", "cure") if can[a])
            plan_a = actions.interventions_for(first, run.scenario, extra, hour, None)
            label_a = f"{first} at t = {hour:g}"
        turned = session.turned_index
        names = [session.compartments[i] for i in turned]
        result = await asyncio.to_thread(
            self.kernels, histories.two_futures, document, plan_a, [], session.seed, lambda s: names
        )
        panes = result["panes"]
        await self.send(
            {
                "type": "compare",
                "labels": [label_a, "nothing done"],
                "times": panes[0]["times"],
                "compartments": session.compartments,
                "totals": [p["totals"].tolist() for p in panes],
            }
        )
        from hyosan.web.frames import encode

        for i, t in enumerate(panes[0]["times"]):
            for pane, p in enumerate(panes, start=1):
                await self.ws.send_bytes(encode(i, t, p["totals"][i], p["shades"][i], pane))
            await asyncio.sleep(1.0 / self.fps)
            if self.closed:
                return
        await self.send({"type": "compare-done"})

    def horizon(self, data: dict[str, Any]) -> float:
        """The end time of many histories or two futures: the page's, else the world's."""
        t_end = data.get("t_end", worlds.world(self.session.world_key).histories_t_end)
        longest = self.session.live().t_end
        if (
            isinstance(t_end, bool)
            or not isinstance(t_end, (int, float))
            or not 0 < t_end <= longest
        ):
            raise HyosanError(f"expected an end time in (0, {longest:g}], got {t_end!r}", "t_end")
        return float(t_end)

    # ------------------------------------------------------------------------------------------
    async def pause_player(self) -> None:
        """Stop playing after the frame in hand is sent: the page has every frame the session
        has computed (its curves are then the download's history)."""
        self.playing = False
        if self.player is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.player
            self.player = None

    async def play(self) -> None:
        """Send frames at the chosen speed while playing (as fast as the engine allows)."""
        try:
            while self.playing and not self.closed:
                started = time.perf_counter()
                frame = await self.call(self.session.step)
                if frame is None:
                    self.playing = False
                    await self.send({"type": "ended"})
                    return
                await self.ws.send_bytes(frame)
                wait = 1.0 / self.fps - (time.perf_counter() - started)
                while wait > 0 and self.playing:  # a pause need not wait out a slow speed
                    await asyncio.sleep(min(wait, 0.05))
                    wait -= 0.05
        except (WebSocketDisconnect, RuntimeError):
            self.playing = False
