"""The shared HTTP layer of every REST connector: one client factory, one retry rule,
one mapping from responses to the error tree.

The retry rule (the same for every vendor):

* **429** → wait ``Retry-After`` (seconds or an HTTP date; Help Scout's
  ``X-RateLimit-Retry-After``; ``x-ratelimit-reset``) plus a little jitter, never less,
  then send again — any method, because the server did not process a throttled request.
  A wait longer than ``RetryPolicy.max_wait``, too many 429s in a row, or ``should_stop``
  turning true raises ``RateLimited`` instead (the sync engine reschedules).
* **5xx, connection errors, timeouts** → exponential back-off with jitter, but only for
  requests the caller marks ``idempotent`` (GET/HEAD/OPTIONS are by default; a PUT or
  DELETE must say so). Anything else is never retried blindly: when the request may have
  reached the server (a read timeout, a dropped connection, a 5xx answer) it raises
  ``AmbiguousSend`` and the engine looks upstream (``find_sent``) before trying again.
  A connection that never opened is a plain ``TransportError``.
* **401** with a ``refresh`` callable (OAuth) → refresh once, send once more.

Everything else maps straight onto the error tree: 401/403 ``AuthError``, 404/410
``NotFound``, 409/412 ``Conflict``, other 4xx ``ConnectorError``; each raised error has a
``status`` attribute (the HTTP status, 0 when there was no answer). Messages are one line,
name the vendor and the request path (never the query or any header), and never carry a
credential. A body that is HTML or cut-off JSON is a ``TransportError`` saying exactly that
(:func:`response_json`).

Each :class:`Client` counts what it sent in ``client.stats`` (benches, "nothing changed
costs one request" checks).
"""

from __future__ import annotations

import random
import ssl
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors._http_answers import (
    RETRY_AFTER_HEADERS,
    ErrorMessage,
    with_status,
    describe,
    error_for,
    response_json,
    retry_after,
)
from inbox_tui.errors import AmbiguousSend, RateLimited, TransportError

USER_AGENT = "inbox-tui (+https://github.com/inbox-tui; helpdesk connector)"
IDEMPOTENT_BY_DEFAULT = frozenset({"GET", "HEAD", "OPTIONS"})
ShouldStop = Callable[[], bool]


@dataclass
class RetryPolicy:
    """How hard one request tries. Tests shrink the delays; production keeps these."""

    attempts: int = 4
    """Tries of an idempotent request on 5xx / connection errors (1 = no retry)."""
    base_delay: float = 0.5
    """First back-off; doubles per attempt, plus up to 50 % jitter."""
    max_delay: float = 10.0
    max_wait: float = 120.0
    """Longest ``Retry-After`` slept through inside one request; longer → ``RateLimited``."""
    rate_retries: int = 25
    """429 answers in a row before giving up with ``RateLimited``."""
    jitter: float = 0.05
    """Added on top of ``Retry-After``: up to this fraction of it, at most ``jitter_cap``."""
    jitter_cap: float = 1.0
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Stats:
    """What a client did; read by benches and tests."""

    requests: int = 0
    """HTTP requests actually sent (retries included)."""
    throttled: int = 0
    """429 answers received."""
    retries: int = 0
    """Requests sent again after a 5xx or a connection error."""
    waited: float = 0.0
    """Seconds slept for ``Retry-After`` and back-off."""
    by_path: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.requests = self.throttled = self.retries = 0
        self.waited = 0.0
        self.by_path.clear()


class Client(httpx.Client):
    """An ``httpx.Client`` that also knows its vendor name, retry policy, stats and an
    optional OAuth ``refresh`` callable (see :func:`make_client`)."""

    def __init__(
        self,
        *,
        vendor: str,
        retry: RetryPolicy,
        refresh: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vendor = vendor
        self.retry = retry
        self.refresh = refresh
        self.stats = Stats()


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` with a token that a refresh may replace."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request

    def __repr__(self) -> str:  # never show the token
        return "BearerAuth(<hidden>)"


_TLS_LOCK = threading.Lock()
_VERIFIED_TLS: ssl.SSLContext | None = None


def _verified_tls() -> ssl.SSLContext:
    """One verifying TLS context per process: building one loads the CA bundle, ~80 ms,
    which was most of a no-change sync."""
    global _VERIFIED_TLS
    with _TLS_LOCK:
        if _VERIFIED_TLS is None:
            _VERIFIED_TLS = httpx.create_ssl_context()
        return _VERIFIED_TLS


class _PlainHttpOnly(httpx.BaseTransport):
    """The https side of a client for a plain-http account (a local test or contract
    server): such a client builds no TLS context at all, so it must never speak TLS —
    an absolute https link from the server is refused, not fetched unverified."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise TransportError(f"refusing {request.url.scheme}://{request.url.host}: this account's url is plain http")


def _tls_options(base_url: str, transport: httpx.BaseTransport | None) -> dict[str, Any]:
    if transport is not None:
        return {}
    if base_url.lower().startswith("http://"):
        return {"verify": False, "mounts": {"https://": _PlainHttpOnly()}}
    return {"verify": _verified_tls()}


def make_client(
    base_url: str,
    *,
    auth: httpx.Auth | tuple[str, str] | None = None,
    timeout: float | httpx.Timeout = 30.0,
    transport: httpx.BaseTransport | None = None,
    user_agent: str = USER_AGENT,
    headers: Mapping[str, str] | None = None,
    vendor: str = "",
    retry: RetryPolicy | None = None,
    refresh: Callable[[], None] | None = None,
) -> Client:
    """A client for one upstream account.

    Redirects are not followed (a 301 can mean "merged conversation", which the vendor
    module handles). ``vendor`` names the upstream in error messages (default: the host).
    ``refresh`` is called once when a request answers 401, then the request goes again.
    """
    all_headers = {"User-Agent": user_agent, "Accept": "application/json"}
    all_headers.update(headers or {})
    if isinstance(timeout, (int, float)):
        timeout = httpx.Timeout(timeout, connect=min(float(timeout), 10.0))
    return Client(
        vendor=vendor or (urlsplit(base_url).hostname or "the server"),
        retry=retry or RetryPolicy(),
        refresh=refresh,
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        transport=transport,
        headers=all_headers,
        follow_redirects=False,
        **_tls_options(base_url, transport),
    )


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    idempotent: bool | None = None,
    expected: Collection[int] = (),
    error_message: ErrorMessage | None = None,
    retry_after_header: str | None = None,
    should_stop: ShouldStop | None = None,
    refresh: Callable[[], None] | bool | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request under the retry rule and return a successful response (2xx, or
    a status listed in ``expected``); raise the mapped error otherwise.

    ``kwargs`` go to ``httpx.Client.request`` (``params``, ``json``, ``data``, ``headers``).
    ``error_message(response)`` turns a vendor's error body into one line. ``refresh``
    overrides the client's 401 hook; ``False`` turns it off (the token request itself).
    """
    method = method.upper()
    if idempotent is None:
        idempotent = method in IDEMPOTENT_BY_DEFAULT
    policy: RetryPolicy = getattr(client, "retry", None) or RetryPolicy()
    stats: Stats | None = getattr(client, "stats", None)
    vendor = getattr(client, "vendor", "") or "the server"
    if refresh is None:
        refresh = getattr(client, "refresh", None)
    refresh_hook = refresh if callable(refresh) else None
    path = urlsplit(url).path or url.split("?", 1)[0]
    failures = throttles = 0
    refreshed = False
    while True:
        if stats is not None:
            stats.requests += 1
            stats.by_path[path] = stats.by_path.get(path, 0) + 1
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            failures += 1
            never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol))
            what = _transport_problem(exc)
            if idempotent and failures < policy.attempts and not isinstance(exc, httpx.UnsupportedProtocol):
                _back_off(policy, stats, failures, should_stop, f"{vendor}: {what}")
                continue
            if not idempotent and not never_sent:
                raise with_status(AmbiguousSend(f"{vendor}: {what} after {method} {path} was sent; it may have been applied"), 0) from None
            raise with_status(TransportError(f"{vendor}: {what} ({method} {path})"), 0) from None
        response.extensions["inbox_vendor"] = vendor
        status = response.status_code
        if status < 400 and (status < 300 or status in expected or status == 304):
            return response
        if status in expected:
            return response
        if status == 429:
            throttles += 1
            if stats is not None:
                stats.throttled += 1
            delay = retry_after(response, retry_after_header)
            if delay is None:
                delay = min(policy.base_delay * 2 ** min(throttles, 8), policy.max_delay)
            if delay > policy.max_wait or throttles > policy.rate_retries:
                raise with_status(RateLimited(f"{vendor} is rate limiting ({method} {path}); retry in {delay:.0f} s", delay), 429)
            delay += min(delay * policy.jitter, policy.jitter_cap) * random.random()
            if not _wait(policy, stats, delay, should_stop):
                raise with_status(RateLimited(f"{vendor} is rate limiting; stopped while waiting", delay), 429)
            continue
        if status == 401 and refresh_hook is not None and not refreshed:
            refreshed = True
            refresh_hook()  # raises AuthError itself when the refresh token is refused
            continue
        if status >= 500:
            failures += 1
            detail = describe(response, error_message)
            if idempotent and failures < policy.attempts:
                _back_off(policy, stats, failures, should_stop, detail)
                continue
            if not idempotent:
                raise with_status(
                    AmbiguousSend(f"{vendor} failed after {method} {path} was sent ({detail}); it may have been applied"), status
                )
            raise with_status(TransportError(f"{vendor} failed on {method} {path}: {detail}"), status)
        raise error_for(response, error_message)


def count(client: httpx.Client) -> int:
    """Requests sent so far by a :class:`Client` (0 for a plain httpx client)."""
    stats = getattr(client, "stats", None)
    return stats.requests if stats is not None else 0


# --------------------------------------------------------------------------- helpers


def _wait(policy: RetryPolicy, stats: Stats | None, seconds: float, should_stop: ShouldStop | None) -> bool:
    """Sleep ``seconds`` in slices, checking ``should_stop``; False when told to stop."""
    deadline = time.monotonic() + seconds
    while True:
        if should_stop is not None and should_stop():
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            break
        policy.sleep(min(left, 0.25) if should_stop is not None else left)
    if stats is not None:
        stats.waited += seconds
    return True


def _back_off(policy: RetryPolicy, stats: Stats | None, failures: int, should_stop: ShouldStop | None, why: str) -> None:
    delay = min(policy.base_delay * 2 ** (failures - 1), policy.max_delay)
    delay *= 1 + 0.5 * random.random()
    if stats is not None:
        stats.retries += 1
    if not _wait(policy, stats, delay, should_stop):
        raise with_status(TransportError(f"{why} (stopped while backing off)"), 0)


def _transport_problem(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped without a complete answer"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL scheme (use https://)"
    return f"connection failed ({type(exc).__name__})"


__all__ = [
    "RETRY_AFTER_HEADERS",
    "BearerAuth",
    "Client",
    "RetryPolicy",
    "Stats",
    "USER_AGENT",
    "count",
    "describe",
    "error_for",
    "make_client",
    "request",
    "response_json",
    "retry_after",
]
