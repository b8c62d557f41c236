"""The address an audit entry records (jiguan.accounts.client_address): the connection's own
address, or, from a loopback connection (this machine or our nginx), what the proxy reports."""

from __future__ import annotations

import re

import pytest

from jiguan import PROJECT_ROOT
from jiguan.accounts import LOOPBACK_ADDRESS, client_address


def test_a_network_client_is_recorded_as_it_connected_whatever_it_claims() -> None:
    assert client_address("10.1.2.3") == "10.1.2.3"
    assert client_address("2001:db8::1") == "2001:db8::1"
    # only a local peer is believed: anyone connecting directly can send these headers
    assert client_address("10.1.2.3", ["192.0.2.9"], ["192.0.2.9"]) == "10.1.2.3"


@pytest.mark.parametrize("peer", [None, "127.0.0.1", "::1", object()])
def test_this_machine_is_recorded_as_loopback(peer: object) -> None:
    assert client_address(peer) == LOOPBACK_ADDRESS == "127.0.0.1"


def test_behind_our_proxy_the_reported_client_is_recorded() -> None:
    assert client_address(None, ["192.0.2.7"], ["192.0.2.7"]) == "192.0.2.7"
    # a browser's own X-Forwarded-For comes first; the hop our nginx appended is the last
    assert client_address(None, [], ["6.6.6.6, 192.0.2.7"]) == "192.0.2.7"
    assert client_address(None, [], ["6.6.6.6", "192.0.2.7"]) == "192.0.2.7"
    assert client_address(None, [" 2001:db8::7 "]) == "2001:db8::7"


def test_a_reported_address_that_is_not_one_is_not_recorded() -> None:
    assert client_address(None, ["<script>"], ["x" * 500]) == LOOPBACK_ADDRESS
    assert client_address(None, ["nonsense"], ["192.0.2.7"]) == "192.0.2.7"


def test_our_nginx_reports_the_client_address() -> None:
    site = (PROJECT_ROOT / "deploy" / "nginx-site.conf").read_text("utf-8")
    assert re.search(r"proxy_set_header\s+X-Real-IP\s+\$remote_addr;", site)
