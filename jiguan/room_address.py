"""Where trainees reach this machine: its network addresses, the join link, its QR code.

Read from the machine's own interfaces, nothing sent: a UDP socket "connected" to a private
address only asks the kernel which interface would route there (no packet leaves), and the
host name's own addresses add any others. Loopback and link-local addresses are left out.
QR codes by segno (BSD-3-Clause), as text for a terminal or PNG bytes for a page.
"""

from __future__ import annotations

import io
import ipaddress
import socket
from urllib.parse import quote

import segno

DEFAULT_PORT = 8501
_PROBES = ("10.255.255.255", "192.168.255.255", "172.31.255.255")


def _usable(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.version == 4 and not (address.is_loopback or address.is_link_local)


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, the routed one first."""
    found: list[str] = []
    for probe in _PROBES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect((probe, 9))  # no packet is sent for a UDP connect
                found.append(s.getsockname()[0])
            except OSError:
                continue
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        found += [info[4][0] for info in infos if isinstance(info[4][0], str)]  # AF_INET: all
    except OSError:
        pass
    return list(dict.fromkeys(a for a in found if _usable(a)))


def join_url(address: str, port: int, code: str = "") -> str:
    """The address a trainee opens; with the code it is filled in on the join form."""
    base = f"http://{address}:{port}/"
    return f"{base}?join={quote(code)}" if code else base


def qr_text(data: str) -> str:
    """The QR code as text for a terminal (two rows per line, dark on light)."""
    out = io.StringIO()
    segno.make(data, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def qr_png(data: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
