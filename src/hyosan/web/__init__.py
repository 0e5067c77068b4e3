"""The face of hyosan: a live web page of the outbreak (``hyosan serve``).

``app`` (the FastAPI app and ``serve``), ``connection`` (one page's websocket), ``session`` (its
simulation), ``live`` (one history run frame by frame), ``frames`` (binary frames), ``geometry``
(each world's map for the page), ``worlds``, ``actions`` (the story's buttons), ``histories``
(many histories, two futures), ``limits``, ``warm``; ``static/`` the page itself,
with no script, style or font from outside.
"""

from __future__ import annotations

from hyosan.web.limits import Limits


def create_app(*args, **kwargs):
    """The FastAPI app (see :func:`hyosan.web.app.create_app`)."""
    from hyosan.web.app import create_app as create

    return create(*args, **kwargs)


def serve(*args, **kwargs) -> None:
    """Serve the page with uvicorn (see :func:`hyosan.web.app.serve`)."""
    from hyosan.web.app import serve as run

    run(*args, **kwargs)


__all__ = ["Limits", "create_app", "serve"]
