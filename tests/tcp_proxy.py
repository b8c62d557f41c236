"""A TCP proxy a test controls, to stage database outages (issue 9).

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = proxy.url_for(pg_url)   # same URL, through the proxy's port
        proxy.freeze()   # stop forwarding, keep every connection open: a stalled server
        proxy.kill()     # close every connection and refuse new ones: a server that is down
        proxy.resume()   # forward again (listening again on the same port after a kill)

Threads only; everything stays on 127.0.0.1. Bytes read while frozen are held and delivered
on resume, so a frozen connection that survives is intact.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType

import sqlalchemy as sa

_TICK = 0.05  # seconds between checks of the proxy's state


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, listen_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.listen_host = listen_host
        self.port = 0
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._closed = False

    # ---- control --------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def freeze(self) -> None:
        """Stop forwarding in both directions; connections stay open, new ones are accepted
        (and stall too)."""
        self._flowing.clear()

    def kill(self) -> None:
        """Close every connection and stop listening: new connections are refused."""
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener is not None:
            listener.close()
        for conn in conns:
            _close(conn)

    def resume(self) -> None:
        """Forward again; after a kill, listen again on the same port."""
        if self._listener is None and not self._closed:
            self._listen()
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        self.kill()
        for t in self._threads:
            t.join(timeout=2)

    def url_for(self, url: str) -> str:
        """``url`` with host and port replaced by the proxy's."""
        parsed = sa.make_url(url).set(host=self.listen_host, port=self.port)
        return parsed.render_as_string(hide_password=False)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- plumbing -------------------------------------------------------------------------

    def _spawn(self, target, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(t)
        t.start()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.listen_host, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        self._spawn(self._accept, listener)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                ready, _, _ = select.select([listener], [], [], _TICK)
                if not ready:
                    if self._listener is not listener:
                        return
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):  # closed by kill()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # killed meanwhile
                    _close(client)
                    _close(upstream)
                    return
                self._conns += [client, upstream]
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        held = b""
        while True:
            try:
                if held and self._flowing.is_set():
                    dst.sendall(held)
                    held = b""
                ready, _, _ = select.select([src], [], [], _TICK)
                if not ready:
                    continue
                if not self._flowing.is_set() and len(held) > 2**20:
                    continue  # frozen with a full buffer: stop reading
                data = src.recv(65536)
            except (OSError, ValueError):
                data = b""
            if not data:
                _close(src)
                _close(dst)
                return
            held += data


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
