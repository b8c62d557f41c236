"""The server around the Streamlit script (app.py): start-up, /healthz, the login cookie
(/jiguan/login-cookie), security headers (a Content-Security-Policy whose only inline scripts
are the page's own, by hash), and in 共享模式 the gate on /media/ (an open login's cookie) and
on /_stcore/metrics (closed).

Plain Starlette/ASGI, no streamlit import, so it is testable on its own.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.util
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiguan import PROJECT_ROOT, accounts, runtime
from jiguan.charts import warm_up
from jiguan.scoring import score
from jiguan.store import Store, StoreError
from jiguan.store.logins import COOKIE, SECURE_COOKIE, login_token

log = logging.getLogger(__name__)

PROJECT_ROUTER = PROJECT_ROOT / "pages" / "router.py"
PAGE_SCRIPTS = PROJECT_ROOT / "pages" / "js"  # the only scripts a page runs (common/scripts.py)
HEALTH_TIMEOUT = 5.0
HSTS = b"max-age=31536000"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Streamlit's routes, at the root or under one base-path segment (not /static/media/: fonts)
_MEDIA = re.compile(r"^(?:/(?!static/)[^/]+)?/media/[^/]+$")
_METRICS = re.compile(r"^(?:/[^/]+)?/_stcore/metrics$")


def _sha256_sources(texts: list[str]) -> list[str]:
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()}'" for t in texts
    ]


def _streamlit_inline_scripts() -> list[str]:
    """The inline scripts of Streamlit's own index.html (found without importing streamlit)."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        return []
    index = Path(spec.origin).parent / "static" / "index.html"
    try:
        return re.findall(r"<script>(.*?)</script>", index.read_text("utf-8"), re.S)
    except OSError:
        return []


def content_security_policy() -> str:
    """What Streamlit's frontend needs and no more (tests/test_browser_csp.py visits every page
    in Chromium and fails on any violation): scripts from this origin, plus the inline scripts
    of pages/js/ and of Streamlit's index.html by hash, and WebAssembly compilation (Streamlit
    compiles a wasm module; 'wasm-unsafe-eval' allows no JavaScript eval); styles inline too
    (Streamlit's emotion CSS and the app's static CSS; a style cannot run code); images, fonts
    and media from this origin, data: and blob: (icons, charts' exports); requests, websocket,
    to this origin only, so injected content could not send anything elsewhere; no plugins, no
    <base>, forms post here, and only this origin may frame a page."""
    texts = [p.read_text("utf-8") for p in sorted(PAGE_SCRIPTS.glob("*.js"))]
    scripts = " ".join(_sha256_sources(texts + _streamlit_inline_scripts()))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'wasm-unsafe-eval' {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' data: blob:",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"SAMEORIGIN",
    b"content-security-policy": content_security_policy().encode(),
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
    """Set (or with max_age 0 clear) the login cookie: `SECURE_COOKIE` over HTTPS, where the
    plain-named one of before is cleared; `COOKIE` over plain HTTP."""
    https = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    name = SECURE_COOKIE if https else COOKIE
    response.set_cookie(
        name, token, max_age=max_age, path="/", secure=https, httponly=True, samesite="lax"
    )
    if https:
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")


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
            mine = login_token(request.cookies)
            if not mine or not await asyncio.to_thread(logins.is_open, mine):
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


def shared_request(scope: Scope) -> bool:
    """共享模式 as the request shows it (pages/access.shared is the page's view): forced by
    JIGUAN_MODE=shared, the server's socket not on loopback, or a proxy in between."""
    if os.environ.get("JIGUAN_MODE", "").strip().lower() == "shared":
        return True
    server = scope.get("server") or ("127.0.0.1", 0)
    if str(server[0]) not in LOOPBACK:
        return True
    names = {name.lower() for name, _ in scope.get("headers", [])}
    return bool(names & {b"x-forwarded-for", b"forwarded"})


async def _login_open(scope: Scope) -> bool:
    token = login_token(Request(scope).cookies)
    store = await asyncio.to_thread(_store) if token else None
    if store is None or not token:
        return False
    try:
        return await asyncio.to_thread(store.logins.is_open, token)
    except StoreError:
        return False


def _attachment(start: Message) -> bool:
    return any(
        name.lower() == b"content-disposition" and value.lower().startswith(b"attachment")
        for name, value in start.get("headers", [])
    )


async def _download_refused(scope: Scope) -> bool:
    """A /media/ request in 共享模式 without an open login's cookie: if it turns out to be a
    download (Content-Disposition: attachment), it gets 403. Streamlit keeps media per process
    under a hash of the content, for any request that names it; images such as the page icon,
    drawn before the sign-in, are not attachments and pass."""
    return (
        bool(_MEDIA.match(scope.get("path", "")))
        and shared_request(scope)
        and not await _login_open(scope)
    )


class _SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response (pages, media, downloads), HSTS when the
    app itself serves HTTPS (behind nginx, nginx sends it); in 共享模式 closes the metrics and
    refuses a download to a request without an open login (`_download_refused`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = dict(SECURITY_HEADERS)
        if scope.get("scheme") == "https":
            added[b"strict-transport-security"] = HSTS

        if _METRICS.match(scope.get("path", "")) and shared_request(scope):
            # Streamlit's sessions, caches and memory are nobody's business on a network.
            await self._refuse(404, added, send)
            return
        guard_download = await _download_refused(scope)
        refused = False

        async def send_with_headers(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the body of a refused download
            if message["type"] == "http.response.start":
                if guard_download and _attachment(message):
                    refused = True
                    await self._refuse(403, added, send)
                    return
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in added.items() if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _refuse(status: int, headers: dict[bytes, bytes], send: Send) -> None:
        listed = list({**headers, b"content-length": b"0"}.items())
        await send({"type": "http.response.start", "status": status, "headers": listed})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def security_headers() -> Middleware:
    return Middleware(_SecurityHeaders)
