"""X-Content-Type-Options, Referrer-Policy and X-Frame-Options on every response: pages,
media (evidence files, images) and downloads, from the app's ASGI middleware (jiguan.web)."""

from __future__ import annotations

import asyncio
import urllib.request

import pytest

from jiguan.accounts import COMMAND_LINE
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


# ---- issue 21 item 5 ------------------------------------------------------------------------


def _get(url: str, headers: dict | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        response = urllib.request.urlopen(request, timeout=30)
        status, raw = response.status, response.headers
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.headers
    return status, {k.lower(): v for k, v in raw.items()}


def test_pages_carry_a_content_security_policy(app_server: AppServer) -> None:
    status, headers = _get(app_server.url + "/")
    assert status == 200
    policy = dict(
        [*part.split(" ", 1), ""][:2] for part in headers["content-security-policy"].split("; ")
    )
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] in ("'none'", "'self'")
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]  # scripts by hash only
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["connect-src"] == "'self'"  # nothing leaves for another origin
    assert "strict-transport-security" not in headers  # plain HTTP: HSTS is nginx's, over TLS


@pytest.fixture
def shared_server(tmp_path):
    from jiguan.rubric import load_rubric
    from jiguan.store import Store

    srv = AppServer(tmp_path / "data", tmp_path / "server.log", env={"JIGUAN_MODE": "shared"})
    srv.start()
    db = Store(
        f"sqlite:///{(srv.data_dir / 'jiguan.db').as_posix()}",
        load_rubric(),
        files_dir=srv.data_dir / "files",
    )
    db.migrate()
    try:
        yield srv, db
    finally:
        db.close()
        srv.stop()


def test_metrics_are_closed_in_shared_mode_only(app_server: AppServer, shared_server) -> None:
    assert _get(app_server.url + "/_stcore/metrics")[0] == 200  # 单机模式: this machine only
    srv, _ = shared_server
    assert _get(srv.url + "/_stcore/metrics")[0] == 404
    assert _get(srv.url + "/_stcore/metrics", {"X-Forwarded-For": "10.0.0.9"})[0] == 404
    assert _get(srv.url + "/_stcore/health")[0] == 200  # only the metrics


def _asgi_status(app, path: str, cookie: str = "") -> int:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"cookie", cookie.encode())] if cookie else []
    scope = {"type": "http", "method": "GET", "path": path, "headers": headers,
             "query_string": b"", "server": ("127.0.0.1", 8501)}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body") in (
        b"",
        b"x",
    )
    return next(m for m in sent if m["type"] == "http.response.start")["status"]


@pytest.mark.parametrize(
    ("path", "disposition", "expected"),
    [
        ("/media/" + "0" * 32 + ".csv", b"attachment; filename=a.csv", 403),  # a download
        ("/base/media/" + "0" * 32 + ".pdf", b"attachment; filename=a.pdf", 403),
        ("/media/" + "0" * 32 + ".png", None, 200),  # the page icon, before the sign-in
        ("/static/media/SourceSans.woff2", b"attachment", 200),  # Streamlit's fonts
    ],
)
def test_a_download_needs_an_open_login_in_shared_mode(
    monkeypatch: pytest.MonkeyPatch, path: str, disposition: bytes | None, expected: int
) -> None:
    async def inner(scope, receive, send) -> None:
        headers = [(b"content-disposition", disposition)] if disposition else []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x"})

    app = security_headers().cls(inner)
    monkeypatch.setenv("JIGUAN_MODE", "shared")
    assert _asgi_status(app, path) == expected
    assert _asgi_status(app, path, "jiguan_login=forged") == expected  # no such login
    monkeypatch.delenv("JIGUAN_MODE")
    assert _asgi_status(app, path) == 200  # 单机模式 on loopback: this machine only
    # The served case — a real download's URL, the browser's cookie, a request without it —
    # is tests/test_browser_csp.py.


def test_the_login_cookie_is_host_prefixed_over_https(shared_server) -> None:
    from jiguan.accounts import FILLER
    from jiguan.store.logins import COOKIE, SECURE_COOKIE

    srv, db = shared_server
    assert SECURE_COOKIE == "__Host-" + COOKIE
    who = db.users.add("乙填报", FILLER, "一个足够长的密码123", by=COMMAND_LINE).caller()
    code = db.logins.open(who).code
    host = srv.url.split("://", 1)[1]
    request = urllib.request.Request(
        srv.url + "/jiguan/login-cookie",
        data=code.encode(),
        method="POST",
        headers={"Origin": srv.url, "Host": host, "X-Forwarded-Proto": "https"},
    )
    response = urllib.request.urlopen(request, timeout=30)
    cookies = response.headers.get_all("Set-Cookie")
    secure = next(c for c in cookies if c.startswith(f"{SECURE_COOKIE}="))
    assert "secure" in secure.lower() and "path=/" in secure.lower()
    assert "domain" not in secure.lower()
    # The old name is cleared, so a browser holds one cookie; a page still reads either.
    assert any(c.startswith(f"{COOKIE}=") and "max-age=0" in c.lower() for c in cookies)


def test_the_old_cookie_name_is_still_read() -> None:
    from jiguan.store.logins import COOKIE, SECURE_COOKIE, login_token

    assert login_token({COOKIE: "old"}) == "old"  # signed in before the upgrade
    assert login_token({SECURE_COOKIE: "new", COOKIE: "old"}) == "new"
    assert login_token({}) == ""
