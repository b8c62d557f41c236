"""The server around the Streamlit script (app.py): start-up, /healthz, the login cookie
(/jiguan/login-cookie) and security headers.

Plain Starlette/ASGI, no streamlit import, so it is testable on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiguan import PROJECT_ROOT, accounts, runtime
from jiguan.charts import warm_up
from jiguan.scoring import score
from jiguan.store import LOGIN_COOKIE, Store, StoreError

log = logging.getLogger(__name__)

PROJECT_ROUTER = PROJECT_ROOT / "pages" / "router.py"
HEALTH_TIMEOUT = 5.0
SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"SAMEORIGIN",
}


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[dict[str, Any]]:
    """Before the first visitor arrives: warm up, migrate the database and start replaying
    changes journaled before a restart (`jiguan.runtime`, shared with the pages)."""
    rubric = runtime.rubric()
    await asyncio.to_thread(warm_up, score(rubric, {}))
    try:
        await asyncio.to_thread(runtime.held)
    except StoreError as exc:  # the script shows its own Chinese message to visitors
        log.warning("start-up: database not ready: %s", exc)
    try:
        yield {}
    finally:
        runtime.close()


def _store() -> Store | None:
    """The process's store, or None while the database can't be opened (tried again)."""
    try:
        return runtime.store()
    except StoreError:
        return None


async def healthz(request: Request) -> JSONResponse:
    """200 when the app can read its database; 503 with the reason otherwise."""
    store = await asyncio.to_thread(_store)
    if store is None:
        return JSONResponse({"status": "error", "database": "未连接"}, status_code=503)
    try:
        revision = await asyncio.wait_for(
            asyncio.to_thread(store.schema_revision), timeout=HEALTH_TIMEOUT
        )
    except (TimeoutError, StoreError) as exc:
        reason = "数据库无响应" if isinstance(exc, TimeoutError) else str(exc)
        return JSONResponse({"status": "error", "database": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "schema": revision})


def _same_origin(request: Request) -> bool:
    """A request the app's own page made (fetch from the same origin), not another site's."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and origin.split("://", 1)[-1] == request.headers.get("host")


def _cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    https = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=max_age, path="/", secure=https, httponly=True, samesite="lax"
    )


async def login_cookie(request: Request) -> Response:
    """The login cookie. POST (body: the one-time code of a login just made on the page): make
    its token and set it, once per login; DELETE: clear it (the page has ended its login).
    Same-origin requests only."""
    if not _same_origin(request):
        return Response(status_code=403)
    store = await asyncio.to_thread(_store)
    if store is None:
        return Response(status_code=503)
    logins = store.logins
    try:
        if request.method == "DELETE":
            response = Response(status_code=204)
            # The page ended its own login; a cookie naming another tab's newer one stays.
            cookie = request.cookies.get(LOGIN_COOKIE, "")
            if not cookie or not await asyncio.to_thread(logins.is_open, cookie):
                _cookie(response, request, "", 0)
            return response
        code = (await request.body())[:200].decode("ascii", "replace").strip()
        token = await asyncio.to_thread(logins.bind_cookie, code)
        if token is None:
            return Response(status_code=403)
    except StoreError:
        return Response(status_code=503)
    response = Response(status_code=204)
    _cookie(response, request, token, int(accounts.SESSION_MAX.total_seconds()))
    return response


class _SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response (pages, media, downloads)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers() -> Middleware:
    return Middleware(_SecurityHeaders)
