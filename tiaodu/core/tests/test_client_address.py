"""The client address comes from the proxy chain as configured, never from what the client wrote
(issue 13 item 8): TIAODU_FORWARDED_ALLOW_IPS lists the trusted proxies; X-Forwarded-For is read only
when the peer is one of them, and then the rightmost address that is not a trusted proxy wins."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory, override_settings

from tiaodu.core.http import client_address

rf = RequestFactory()


def address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(rf.get("/", **extra))


@override_settings(FORWARDED_ALLOW_IPS=["10.0.0.0/8"])
def test_client_controlled_left_end_is_ignored():
    # The client wrote "1.1.1.1"; the proxy 10.0.0.5 appended the address it saw, 203.0.113.7.
    assert address("10.0.0.5", "1.1.1.1, 203.0.113.7") == "203.0.113.7"


@override_settings(FORWARDED_ALLOW_IPS=["10.0.0.0/8"])
def test_untrusted_peer_forwarded_header_ignored():
    assert address("198.51.100.9", "1.1.1.1") == "198.51.100.9"


@override_settings(FORWARDED_ALLOW_IPS=["10.0.0.0/8", "192.168.1.1"])
def test_chain_of_trusted_proxies_is_walked_from_the_right():
    assert address("10.0.0.5", "6.6.6.6, 203.0.113.7, 192.168.1.1, 10.1.2.3") == "203.0.113.7"
    # Every hop trusted: the leftmost (an internal caller) is the client.
    assert address("10.0.0.5", "10.9.9.9, 192.168.1.1") == "10.9.9.9"


@override_settings(FORWARDED_ALLOW_IPS=["10.0.0.0/8"])
def test_ports_brackets_and_garbage():
    assert address("10.0.0.5", "203.0.113.7:5555") == "203.0.113.7"
    assert address("10.0.0.5", "[2001:db8::1]:443") == "2001:db8::1"
    # An unparsable hop ends the walk: nothing to its left is believed.
    assert address("10.0.0.5", "1.1.1.1, not-an-ip, 10.2.2.2") == "10.2.2.2"
    assert address("10.0.0.5", "") == "10.0.0.5"
    assert address("garbage") is None
    assert client_address(None) is None


@override_settings(FORWARDED_ALLOW_IPS=["127.0.0.1", "::1"])
def test_ipv4_mapped_and_default_local_proxy():
    assert address("::ffff:127.0.0.1", "203.0.113.8") == "203.0.113.8"
    assert address("::1", "203.0.113.9") == "203.0.113.9"


@override_settings(FORWARDED_ALLOW_IPS=["*"])
def test_star_trusts_every_hop():
    assert address("198.51.100.9", "203.0.113.7, 10.0.0.1") == "203.0.113.7"


def test_invalid_setting_refuses_to_start(tmp_path):
    env = {"TIAODU_DATA_DIR": str(tmp_path), "TIAODU_FORWARDED_ALLOW_IPS": "10.0.0.0/8,nginx", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import tiaodu.settings"],
        env=env,
        cwd=settings.REPO_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "TIAODU_FORWARDED_ALLOW_IPS" in result.stderr
