"""``hyosan serve``: the page on http://127.0.0.1:8000/ by default, with its limits as flags."""

from __future__ import annotations

import typer

from hyosan.web.limits import Limits

_DEFAULT = Limits()


def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to listen on (127.0.0.1: this machine)"),
    port: int = typer.Option(8000, min=1, max=65535, help="port to listen on"),
    open_browser: bool = typer.Option(False, "--open", help="open the page in a browser"),
    sessions: int = typer.Option(
        _DEFAULT.sessions, min=1, help="simulations at once (then 'busy')"
    ),
    max_places: int = typer.Option(_DEFAULT.places, min=1, help="largest world offered, in places"),
    max_runs: int = typer.Option(_DEFAULT.runs, min=1, help="histories per 'run many' at most"),
    message_bytes: int = typer.Option(
        _DEFAULT.message_bytes, min=64, help="largest page message read"
    ),
    lifetime: float = typer.Option(
        _DEFAULT.lifetime_s, min=1.0, help="seconds a page's session lives"
    ),
) -> None:
    """Serve the live page of the outbreak: pick a world, click to drop a zombie, play."""
    from hyosan.web import serve

    limits = Limits(
        sessions=sessions,
        places=max_places,
        runs=max_runs,
        message_bytes=message_bytes,
        lifetime_s=lifetime,
    )
    serve(host=host, port=port, open_browser=open_browser, limits=limits)
