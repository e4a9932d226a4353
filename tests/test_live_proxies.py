"""Proxy variables probe and watch cannot use: usage errors naming the variable, not its value."""

from __future__ import annotations

import pytest

from tests.conftest import RunCheck

URL = "https://example.invalid/health_check"


@pytest.mark.parametrize("command", ["probe", "watch"])
@pytest.mark.parametrize(("name", "value", "says"), [
    ("HTTPS_PROXY", "http://alice:s3c/retPW@proxy.example:8080", "not a valid proxy URL"),
    ("https_proxy", "http://alice:123/retPW@proxy.example:8080", "not a valid proxy URL"),
    ("ALL_PROXY", "socks5://alice:s3cretPW@proxy.example:1080", "socks5:// proxies are not"),
    ("HTTP_PROXY", "ftp://alice:s3cretPW@proxy.example:21", "ftp:// proxies are not supported"),
])
def test_an_unusable_proxy_is_a_usage_error_without_its_value(
    release_check: RunCheck, command: str, name: str, value: str, says: str,
) -> None:
    """Exit 2, one line naming the variable and why; no traceback, no user, no password."""
    result = release_check(command, URL, "--timeout" if command == "probe" else "--duration",
                           "1", env={name: value}, timeout=30)
    assert result.code == 2
    assert result.err.startswith(f"release-check: error: {name}: {says}")
    assert len(result.err.strip().splitlines()) == 1
    for secret in ("alice", "s3c", "retPW", "123"):
        assert secret not in result.err + result.out

