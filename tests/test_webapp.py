"""The Streamlit glue's own decisions (the rest of it is exercised by the page tests)."""

from __future__ import annotations

import pytest

from indicators.webapp import is_loopback


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True),
    ("127.0.0.53", True),
    ("::1", True),
    ("::ffff:127.0.0.1", True),  # IPv4 loopback as Tornado reports it on a dual-stack socket
    ("::ffff:10.0.0.5", False),
    ("10.0.0.5", False),
    ("192.168.1.20", False),
    ("fe80::1%eth0", False),
    ("", False),
    ("localhost", False),  # a name is not an address: never trusted
])
def test_only_the_server_itself_counts_as_local(address, loopback):
    assert is_loopback(address) is loopback
