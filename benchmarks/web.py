"""The web page's figures: frames per second to one page, the first frame's delay, and a load
test of many pages at once (frame rate, p95 interval, server memory, leaks after they close).

    python benchmarks/web.py                       # Seoul to one page, then 4 pages x 10 s
    python benchmarks/web.py --sessions 20 --seconds 30 --load-world seoul

The server runs as ``hyosan serve`` in a subprocess (its memory is its own), on loopback; the
pages are websocket clients here. The defaults are small so that the benchmark runs on a shared
2-core machine; the issue's full load test is ``--sessions 20 --seconds 30``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import websockets


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _text(ws) -> dict:
    while True:
        message = await ws.recv()
        if isinstance(message, str):
            return json.loads(message)


async def one_page(url: str, world: str, seconds: float, fps: float, seed: int) -> dict:
    """A page: set up, wait for the first frame, play for ``seconds``; frame times."""
    async with websockets.connect(url, max_size=None) as ws:
        hello = await _text(ws)
        if hello["type"] != "hello":
            return {"error": hello.get("message", hello["type"])}
        t0 = time.perf_counter()
        await ws.send(json.dumps({"type": "setup", "world": world, "seed": seed}))
        reply = await _text(ws)
        if reply["type"] != "ready":
            return {"error": reply}
        await ws.recv()  # frame 0
        setup_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        await ws.send(json.dumps({"type": "play", "fps": fps}))
        stamps, errors, first = [], [], None
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            try:
                message = await asyncio.wait_for(
                    ws.recv(), timeout=max(0.01, end - time.perf_counter())
                )
            except TimeoutError:
                break
            if isinstance(message, bytes):
                now = time.perf_counter()
                first = first if first is not None else now - t1
                stamps.append(now)
            else:
                data = json.loads(message)
                if data["type"] == "error":
                    errors.append(data)
                if data["type"] == "ended":
                    break
        await ws.send(json.dumps({"type": "pause"}))
        gaps = np.diff(stamps) if len(stamps) > 1 else np.array([np.nan])
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
        return {
            "setup_s": setup_s,
            "first_frame_s": first,
            "frames": len(stamps),
            "fps": (len(stamps) - 1) / span if len(stamps) > 1 else 0.0,
            "p95_interval_s": float(np.percentile(gaps, 95)),
            "errors": errors,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--world", default="seoul", help="the one-page world (Seoul's dongs)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds each page plays")
    parser.add_argument("--sessions", type=int, default=4, help="pages at once in the load test")
    parser.add_argument("--rounds", type=int, default=2, help="load rounds (a leak grows each)")
    parser.add_argument("--load-world", default="hyosan-high", help="the load test's world")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per second, one page")
    parser.add_argument("--load-fps", type=float, default=10.0, help="frames per second, load")
    args = parser.parse_args()

    port = _port()
    # the server's log goes to a file: a pipe nobody reads fills up and blocks the server
    log_path = Path(tempfile.gettempdir()) / f"hyosan-serve-{port}.log"
    with open(log_path, "w", encoding="utf-8") as log:  # the server keeps its own descriptor
        server = subprocess.Popen(
            [sys.executable, "-m", "hyosan.cli", "serve", "--port", str(port),
             "--sessions", str(max(args.sessions, 1) + 1)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        while True:
            try:
                status = json.load(urllib.request.urlopen(base + "/api/status"))
                if status["ready"]:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit(log_path.read_text(encoding="utf-8"))
            time.sleep(0.5)
        print(
            f"server warm (every world built, kernels compiled) in "
            f"{time.perf_counter() - started:.1f} s wall; {status}"
        )
        url = f"ws://127.0.0.1:{port}/ws"
        rss0 = _rss_mib(server.pid)
        one = asyncio.run(one_page(url, args.world, args.seconds, args.fps, 1))
        print(
            f"one page, {args.world}: set-up to frame 0 {one['setup_s']:.2f} s, play to first "
            f"frame {one['first_frame_s']:.3f} s, {one['frames']} frames at {one['fps']:.1f}/s, "
            f"p95 interval {one['p95_interval_s'] * 1000:.0f} ms, errors {len(one['errors'])}"
        )

        async def many() -> list[dict]:
            return await asyncio.gather(
                *(
                    one_page(url, args.load_world, args.seconds, args.load_fps, k)
                    for k in range(args.sessions)
                )
            )

        for round_ in range(1, args.rounds + 1):
            cpu0 = _cpu_s(server.pid)
            pages = asyncio.run(many())
            cpu = _cpu_s(server.pid) - cpu0
            peak = _rss_mib(server.pid)
            time.sleep(2.0)
            status = json.load(urllib.request.urlopen(base + "/api/status"))
            rss1 = _rss_mib(server.pid)
            ok = [p for p in pages if "error" not in p]
            fps = [p["fps"] for p in ok]
            p95 = [p["p95_interval_s"] for p in ok]
            errors = sum(len(p.get("errors", [])) for p in ok) + len(pages) - len(ok)
            print(
                f"load round {round_}: {args.sessions} pages x {args.seconds:g} s of "
                f"{args.load_world}: {sum(p['frames'] for p in ok)} frames, per page "
                f"{np.mean(fps):.1f}/s (min {np.min(fps):.1f}), p95 interval "
                f"{np.max(p95) * 1000:.0f} ms (worst page), errors {errors}; server CPU "
                f"{cpu:.1f} s; server memory {rss0:.0f} MiB before, {peak:.0f} MiB at the end, "
                f"{rss1:.0f} MiB after they closed; sessions left {status['sessions']}"
            )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(f"clients' CPU {usage.ru_utime + usage.ru_stime:.1f} s")
    finally:
        server.terminate()
        server.wait(10)
        errors = log_path.read_text(encoding="utf-8").count("Traceback")
        print(f"server log: {log_path} ({errors} tracebacks)")


if __name__ == "__main__":
    main()
