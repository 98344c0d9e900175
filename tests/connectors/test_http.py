"""The shared HTTP layer (connectors/_http.py) against a tiny real server on 127.0.0.1."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from connectors._http import RetryPolicy, make_client, request, response_json, retry_after
from inbox_tui.errors import AmbiguousSend, AuthError, Conflict, ConnectorError, NotFound, RateLimited, TransportError
from tests.servers._base import Reply, Request, Server, VendorApp


class Echo(VendorApp):
    """Answers by path: /status/N → N with a JSON error body; /echo-auth → 401 that quotes
    the Authorization header back (a hostile or careless server)."""

    vendor = "Echo"

    def route(self, req: Request) -> Reply:
        if req.path.startswith("/status/"):
            code = int(req.path.rsplit("/", 1)[1])
            return Reply(code, {"error": "Code", "description": f"status {code}"})
        if req.path == "/echo-auth":
            return Reply(401, {"error": f"bad credentials: {req.headers.get('authorization', '')}"})
        return Reply(200, {"ok": True, "method": req.method})


OPENED: list[httpx.Client] = []


@pytest.fixture
def echo() -> Iterator[tuple[Echo, Server]]:
    app = Echo()
    server = app.serve(0)
    try:
        yield app, server
    finally:
        while OPENED:
            OPENED.pop().close()
        server.stop()


def client(server: Server, **kwargs: object) -> httpx.Client:
    http = make_client(server.url, vendor="Echo", retry=RetryPolicy(base_delay=0.01, max_delay=0.02), **kwargs)  # type: ignore[arg-type]
    OPENED.append(http)
    return http


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFound), (410, NotFound), (409, Conflict), (412, Conflict), (422, ConnectorError)],
)
def test_status_codes_map_onto_the_error_tree(echo: tuple[Echo, Server], status: int, error: type[Exception]) -> None:
    _, server = echo
    with pytest.raises(error) as caught:
        request(client(server), "GET", f"/status/{status}")
    assert caught.value.status == status  # type: ignore[attr-defined]
    assert f"status {status}" in str(caught.value) and "Echo" in str(caught.value)


def test_credentials_echoed_by_the_server_never_reach_the_message(echo: tuple[Echo, Server]) -> None:
    _, server = echo
    secret = "s3cr3t-token-value"
    for auth in (httpx.BasicAuth("agent@example.org/token", secret), None):
        headers = {"Authorization": f"Bearer {secret}"} if auth is None else None
        with pytest.raises(AuthError) as caught:
            request(client(server, auth=auth, headers=headers), "GET", "/echo-auth")
        assert secret not in str(caught.value)
        assert base64.b64encode(f"agent@example.org/token:{secret}".encode()).decode() not in str(caught.value)


def test_5xx_is_retried_for_get_but_ambiguous_for_post(echo: tuple[Echo, Server]) -> None:
    app, server = echo
    app.burst(2)
    assert response_json(request(client(server), "GET", "/x")) == {"ok": True, "method": "GET"}
    app.burst(1)
    with pytest.raises(AmbiguousSend):
        request(client(server), "POST", "/x", json={})
    assert [e.status for e in app.requests("POST")] == [503]
    app.burst(5)
    with pytest.raises(TransportError) as caught:
        request(client(server), "GET", "/x")
    assert not isinstance(caught.value, AmbiguousSend) and "HTML instead of JSON (status 503)" in str(caught.value)


def test_put_is_retried_only_when_marked_idempotent(echo: tuple[Echo, Server]) -> None:
    app, server = echo
    app.fault("drop", "/x", 1)
    assert response_json(request(client(server), "PUT", "/x", json={}, idempotent=True))["ok"]
    app.fault("drop", "/x", 1)
    with pytest.raises(AmbiguousSend):
        request(client(server), "PUT", "/x", json={})


def test_a_connection_that_never_opened_is_not_ambiguous() -> None:
    with make_client("http://127.0.0.1:9", retry=RetryPolicy(attempts=1)) as http, pytest.raises(TransportError) as caught:
        request(http, "POST", "/x", json={})
    assert not isinstance(caught.value, AmbiguousSend) and "cannot connect" in str(caught.value)


def test_429_waits_and_retries_a_post_too(echo: tuple[Echo, Server]) -> None:
    app, server = echo
    app.storm(2, retry_after=0.2, text_every=1)
    started = time.monotonic()
    assert response_json(request(client(server), "POST", "/x", json={}))["method"] == "POST"
    assert time.monotonic() - started >= 0.4
    assert [e.status for e in app.requests("POST")] == [429, 429, 200]


def test_should_stop_ends_a_retry_after_wait(echo: tuple[Echo, Server]) -> None:
    app, server = echo
    app.fault("429", "/x", retry_after=30)
    stop_at = time.monotonic() + 0.3
    started = time.monotonic()
    with pytest.raises(RateLimited):
        request(client(server), "GET", "/x", should_stop=lambda: time.monotonic() > stop_at)
    assert time.monotonic() - started < 2


def test_retry_after_forms() -> None:
    def response(**headers: str) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert retry_after(response(**{"Retry-After": "7"})) == 7
    assert retry_after(response(**{"Retry-After": "1.5"})) == 1.5
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < (retry_after(response(**{"Retry-After": later})) or 0) <= 30
    assert retry_after(response(**{"X-RateLimit-Retry-After": "12"})) == 12
    assert 8 < (retry_after(response(**{"x-ratelimit-reset": str(int(time.time()) + 10)})) or 0) <= 10
    assert retry_after(response(**{"Retry-After": "soon"})) is None
    assert retry_after(response()) is None


def test_garbage_bodies_are_one_line_errors() -> None:
    request_ = httpx.Request("GET", "http://127.0.0.1/api")
    html = httpx.Response(200, content=b"<!DOCTYPE html><html>login</html>", request=request_, extensions={"inbox_vendor": "Zendesk"})
    with pytest.raises(TransportError, match=r"^Zendesk answered HTML instead of JSON \(status 200\)$"):
        response_json(html)
    cut = httpx.Response(200, content=b'{"tickets": [{"id": 1', request=request_)
    with pytest.raises(TransportError, match="truncated or invalid JSON"):
        response_json(cut, "Zendesk")
    assert response_json(httpx.Response(204, content=b"", request=request_)) is None


def test_requests_are_counted(echo: tuple[Echo, Server]) -> None:
    app, server = echo
    http = client(server)
    app.burst(1)
    request(http, "GET", "/x")
    request(http, "GET", "/y")
    assert http.stats.requests == 3 and http.stats.retries == 1 and http.stats.by_path == {"/x": 2, "/y": 1}  # type: ignore[attr-defined]


def test_a_plain_http_account_never_speaks_tls_and_builds_no_ca_bundle(echo: tuple[Echo, Server]) -> None:
    """A local (test or contract) server is plain http: its client loads no CA bundle (that
    was ~80 ms of every no-change sync) and therefore refuses an absolute https link
    instead of fetching it unverified."""
    _, server = echo
    client = make_client(server.url, vendor="Echo")
    OPENED.append(client)
    assert response_json(request(client, "GET", "/anything"))["ok"] is True
    with pytest.raises(TransportError, match="plain http"):
        request(client, "GET", "https://127.0.0.1:9/elsewhere")


def test_https_accounts_share_one_verifying_tls_context() -> None:
    first, second = make_client("https://a.example"), make_client("https://b.example")
    OPENED.extend([first, second])
    contexts = [c._transport._pool._ssl_context for c in (first, second)]  # type: ignore[attr-defined]
    assert contexts[0] is contexts[1]
    assert contexts[0].verify_mode.name == "CERT_REQUIRED" and contexts[0].check_hostname
