"""X-Content-Type-Options, Referrer-Policy and X-Frame-Options on every response: pages,
media (evidence files, images) and downloads, from the app's ASGI middleware (jiguan.web)."""

from __future__ import annotations

import asyncio
import urllib.request

import pytest

from jiguan.web import SECURITY_HEADERS, security_headers
from tests.browser_support import AppServer

EXPECTED = {k.decode(): v.decode() for k, v in SECURITY_HEADERS.items()}


def _asgi_get(app, path: str) -> dict[str, str]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return {k.decode().lower(): v.decode() for k, v in start["headers"]}


@pytest.mark.parametrize(
    ("path", "content_type", "extra"),
    [
        ("/", b"text/html", []),
        ("/media/abc.png", b"image/png", []),
        ("/media/abc.pdf", b"application/pdf", [(b"content-disposition", b"attachment")]),
    ],
)
def test_middleware_adds_headers(path: str, content_type: bytes, extra: list) -> None:
    async def inner(scope, receive, send) -> None:
        headers = [(b"content-type", content_type), *extra]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x"})

    app = security_headers().cls(inner)
    headers = _asgi_get(app, path)
    for name, value in EXPECTED.items():
        assert headers[name] == value, (path, name)


def test_served_page_and_static_files_carry_the_headers(app_server: AppServer) -> None:
    for path in ("/", "/healthz", "/app/static/favicon.png", "/results"):
        try:
            response = urllib.request.urlopen(app_server.url.rstrip("/") + path, timeout=30)
            headers = {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as exc:  # a 404 must carry them too
            headers = {k.lower(): v for k, v in exc.headers.items()}
        for name, value in EXPECTED.items():
            assert headers.get(name) == value, (path, name)
