"""The light live board's HTTP routes, served beside Streamlit's pages by the same server.

``harvest_app.py`` hands ``live_routes()`` to ``streamlit.starlette.App``; ``streamlit run
harvest_app.py`` (so ``make run``) finds that App and serves both. Three routes, all plain
HTTP (no websocket), answered from ``harvest.live.LiveBoard``'s memory:

    GET /live/{token}               the page a phone opens (polls the fragment)
    GET /live/{token}/board?rev=E   the fragment, or 304 if E (its ETag) is still current
    GET /live/{token}/map.png       the map picture the fragment names
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harvest import access, config
from harvest.live import REFRESH_SECONDS, LiveBoard, Reply
from harvest.store import Store, database_url

LIVE_PREFIX = "/live"


def live_url(token: str, base_url: str | None = None) -> str:
    """The light board's address for a link's token (what the board's QR code carries)."""
    base = (base_url or config.base_url() or access.DEFAULT_BASE_URL)
    return f"{base.rstrip('/')}{LIVE_PREFIX}/{token}"


def client_of(request: Request) -> str:
    """Whose wrong links count together (``access.client_key``), as the Streamlit pages
    count them: the address, X-Forwarded-For believed only from HARVEST_TRUSTED_PROXIES."""
    ip = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    hops = [hop.strip() for hop in (forwarded or "").split(",") if hop.strip()]
    # uvicorn already replaced a loopback peer by the header's last hop: undo that
    peer = "127.0.0.1" if ip is None or (hops and ip == hops[-1]) else ip
    return access.client_key(peer, forwarded, config.trusted_proxies(), "live")


def _response(reply: Reply, accepts: str = "") -> Response:
    headers = {"Cache-Control": reply.cache, "Vary": "Accept-Encoding"}
    if reply.etag:
        headers["ETag"] = reply.etag
    if reply.retry_after:
        headers["Retry-After"] = str(reply.retry_after)
    if reply.csp:
        headers["Content-Security-Policy"] = reply.csp
    headers["X-Content-Type-Options"] = "nosniff"
    if reply.status == 304:
        return Response(status_code=304, headers=headers)
    body = reply.body
    if reply.gzipped is not None and "gzip" in accepts:
        # compressed once per fragment, not per poll (Streamlit's middleware leaves a
        # response that already names its encoding alone)
        body, headers["Content-Encoding"] = reply.gzipped, "gzip"
    return Response(body, status_code=reply.status, media_type=reply.content_type,
                    headers=headers)


def live_routes(url: Callable[[], str] = database_url, *, refresh: float = REFRESH_SECONDS,
                **options: Any) -> list[Route]:
    """The routes, with one ``LiveBoard`` for this server (made at the first request, on
    the database ``url()`` names then)."""
    made: list[LiveBoard] = []
    lock = threading.Lock()

    def live() -> LiveBoard:
        with lock:
            if not made:
                made.append(LiveBoard(Store(url()), refresh=refresh, **options))
            return made[0]

    # plain functions: Starlette runs them in its thread pool, off the event loop
    def shell(request: Request) -> Response:
        return _response(live().shell(request.path_params["token"], client_of(request),
                                      request.query_params.get("lang")))

    def board(request: Request) -> Response:
        have = request.query_params.get("rev") or request.headers.get("if-none-match")
        return _response(live().board(request.path_params["token"], client_of(request), have,
                                      request.query_params.get("lang")),
                         request.headers.get("accept-encoding", ""))

    def map_png(request: Request) -> Response:
        return _response(live().map_png(request.path_params["token"], client_of(request),
                                        request.query_params.get("v")))

    return [
        Route(f"{LIVE_PREFIX}/{{token}}", shell, methods=["GET"]),
        Route(f"{LIVE_PREFIX}/{{token}}/board", board, methods=["GET"]),
        Route(f"{LIVE_PREFIX}/{{token}}/map.png", map_png, methods=["GET"]),
    ]
