"""A small base for vendor contract servers: threaded HTTP on 127.0.0.1, state in memory.

A vendor server subclasses :class:`VendorApp` and implements ``route(req) -> Reply``. The
base adds what every vendor needs around it:

* a **rate limit** (``rate_limit`` credits per ``rate_window`` seconds, fixed window) that
  answers 429 with the vendor's ``Retry-After`` header, plus rate-limit headers on every
  response (names in ``rate_headers``; ``credits(req)`` prices a request);
* **faults**, queued with :meth:`VendorApp.fault` and taken by the next matching requests:
  ``"429"`` (JSON body), ``"429-text"`` (plain text body, as Zendesk sometimes sends),
  ``"503"`` (HTML, nothing done), ``"503-after"`` (the request IS applied, then 503),
  ``"html"`` (200 with a login page), ``"truncated"`` (the real answer cut in half),
  ``"drop"`` (connection closed, nothing done), ``"drop-after"`` (applied, then the
  connection closes without an answer), ``"slow"`` (answers after ``delay`` seconds);
  :meth:`storm` and :meth:`burst` queue N of them;
* a **request log** (``log``: :class:`LogEntry` tuples ``(method, path, status, at, query)``
  with ``at`` from ``time.monotonic()``) and :meth:`rate_report` for benches (how close to
  the bound a client came, and how many requests it sent before a ``Retry-After`` elapsed).

``app.serve(port)`` starts a :class:`Server` in a daemon thread (port 0 = a free port);
``server.url``, ``server.stop()``. :func:`run_cli` is the ``python -m tests.servers.X``
entry point. Stdlib only, so a person can run a server without the test dependencies.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = ("429", "429-text", "503", "503-after", "html", "truncated", "drop", "drop-after", "slow")


def iso(moment: datetime) -> str:
    """``2026-01-02T03:04:05Z`` (the form every vendor here uses)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes
    base: str
    """``http://127.0.0.1:PORT`` as the client addressed us (for ``next`` links)."""

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str] | None:
        if "x-www-form-urlencoded" not in self.headers.get("content-type", ""):
            return None
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int
    body: Any = b""
    """JSON-able data, or ``bytes`` sent as they are."""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def data(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


class LogEntry(NamedTuple):
    method: str
    path: str
    status: int
    """0 when the connection was dropped without an answer."""
    at: float
    query: dict[str, str]


@dataclass
class Fault:
    kind: str
    path_contains: str = ""
    times: int = 1
    retry_after: float = 1.0
    delay: float = 0.0
    method: str = ""
    skip: int = 0
    """Let this many matching requests through first (a fault in the middle of a paged
    walk: the first pages answer fine)."""


class VendorApp:
    """State + routes of one vendor; subclass and implement :meth:`route`."""

    rate_headers: tuple[str, str, str] = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After")
    """Names of (limit, remaining, retry-after) headers."""
    used_header: str | None = None
    """Optional header carrying what this request cost (Freshdesk's ``…-Used-CurrentRequest``)."""
    vendor = "Vendor"
    default_rate_limit = 700
    """Shown in the headers when no limit is enforced."""

    def __init__(self, *, rate_limit: int | None = None, rate_window: float = 60.0) -> None:
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.lock = threading.RLock()
        """Held around ``route``: handlers run in threads, state is plain Python."""
        self.faults: list[Fault] = []
        self.log: list[LogEntry] = []
        self._window_start = time.monotonic()
        self._used = 0
        self.rate_events: list[tuple[float, int, int, float]] = []
        """``(at, cost, status, retry_after)`` per request while a limit is enforced."""
        self._first_window = self._window_start

    # ------------------------------------------------------------------ for subclasses
    def route(self, req: Request) -> Reply:
        raise NotImplementedError

    def credits(self, req: Request) -> int:
        return 1

    def throttled_reply(self, retry_after: str) -> Reply:
        """The 429 a vendor sends (override for its body)."""
        return Reply(429, {"error": "TooManyRequests", "description": "Rate limit exceeded"}, headers={self.rate_headers[2]: retry_after})

    def error_reply(self, status: int) -> Reply:
        """A 5xx page as proxies send it: HTML, not JSON."""
        return Reply(status, b"<html><body><h1>503 Service Unavailable</h1></body></html>", content_type="text/html")

    # ------------------------------------------------------------------ test controls
    def fault(
        self,
        kind: str,
        path_contains: str = "",
        times: int = 1,
        retry_after: float = 1.0,
        *,
        delay: float = 0.0,
        method: str = "",
        skip: int = 0,
    ) -> None:
        """Make the next ``times`` requests whose path contains ``path_contains`` (and whose
        method is ``method``, if given) misbehave as ``kind`` (see the module docstring),
        after letting ``skip`` of them through."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        with self.lock:
            self.faults.append(Fault(kind, path_contains, times, retry_after, delay, method.upper(), skip))

    def storm(self, times: int, retry_after: float = 1.0, path_contains: str = "", *, text_every: int = 2) -> None:
        """``times`` × 429; every ``text_every``-th one with a plain-text body."""
        for index in range(times):
            kind = "429-text" if text_every and index % text_every == text_every - 1 else "429"
            self.fault(kind, path_contains, 1, retry_after)

    def burst(self, times: int, path_contains: str = "") -> None:
        """``times`` × 503 (nothing applied)."""
        self.fault("503", path_contains, times)

    def slow(self, delay: float, path_contains: str = "", times: int = 1) -> None:
        self.fault("slow", path_contains, times, delay=delay)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def requests(self, method: str = "", path_contains: str = "") -> list[LogEntry]:
        return [e for e in list(self.log) if e.method.startswith(method.upper()) and path_contains in e.path]

    def queries(self, path: str) -> list[dict[str, str]]:
        return [e.query for e in list(self.log) if e.path == path]

    # ------------------------------------------------------------------ rate limit
    def reset_rate(self) -> None:
        with self.lock:
            self._window_start = self._first_window = time.monotonic()
            self._used, self.rate_events = 0, []

    def rate_report(self) -> dict[str, Any]:
        """``bound`` (credits/s allowed), ``reached`` (credits/s used over the full windows
        so far), ``utilisation`` (reached / bound), ``throttled`` (429s), ``early``
        (requests that arrived before an earlier 429's ``Retry-After`` had elapsed)."""
        events = list(self.rate_events)
        if not self.rate_limit or not events:
            return {"bound": 0.0, "reached": 0.0, "utilisation": 0.0, "throttled": 0, "early": 0}
        start, window = self._first_window, self.rate_window
        full = int((events[-1][0] - start) // window)
        per = [0] * max(full, 1)
        for at, cost, _status, _retry in events:
            index = int((at - start) // window)
            if index < full:
                per[index] += cost
        if full:
            utilisation = statistics.mean(c / self.rate_limit for c in per)
        else:
            utilisation = sum(e[1] for e in events) / self.rate_limit
        deadline, early = 0.0, 0
        for at, _cost, status, retry in events:
            if at < deadline - 0.005:
                early += 1
            if status == 429:
                deadline = max(deadline, at + retry)
        bound = self.rate_limit / window
        return {
            "bound": bound,
            "reached": utilisation * bound,
            "utilisation": utilisation,
            "throttled": sum(1 for e in events if e[2] == 429),
            "early": early,
        }

    def _limit(self, req: Request) -> tuple[Reply | None, dict[str, str]]:
        limit_name, remaining_name, _ = self.rate_headers
        if self.rate_limit is None:
            return None, {limit_name: str(self.default_rate_limit), remaining_name: str(self.default_rate_limit - 1)}
        cost = self.credits(req)
        now = time.monotonic()
        if now - self._window_start >= self.rate_window:
            self._window_start, self._used = now, 0
        if self._used + cost > self.rate_limit:
            wait = self.rate_window - (now - self._window_start)
            shown = f"{wait:.2f}" if self.rate_window < 60 else str(max(1, int(wait + 0.999)))
            self.rate_events.append((now, 0, 429, float(shown)))
            reply = self.throttled_reply(shown)
            reply.headers.update({limit_name: str(self.rate_limit), remaining_name: "0"})
            return reply, {}
        self._used += cost
        self.rate_events.append((now, cost, 200, 0.0))
        headers = {limit_name: str(self.rate_limit), remaining_name: str(self.rate_limit - self._used)}
        if self.used_header:
            headers[self.used_header] = str(cost)
        return None, headers

    # ------------------------------------------------------------------ dispatch
    def _take_fault(self, req: Request) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.path_contains in req.path and (not fault.method or fault.method == req.method):
                if fault.skip > 0:
                    self.faults[index] = replace(fault, skip=fault.skip - 1)
                    return None
                if fault.times <= 1:
                    self.faults.pop(index)
                else:
                    self.faults[index] = replace(fault, times=fault.times - 1)
                return fault
        return None

    def dispatch(self, req: Request) -> Reply | None:
        """The reply to send, or ``None`` to drop the connection without one."""
        with self.lock:
            throttled, rate = self._limit(req)
            fault = None if throttled else self._take_fault(req)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        with self.lock:
            reply = throttled or self._faulty(req, fault)
            reply.headers.update(rate)
            query = {k: v[-1] for k, v in req.query.items()}
            status = 0 if fault is not None and fault.kind in ("drop", "drop-after") else reply.status
            self.log.append(LogEntry(req.method, req.path, status, time.monotonic(), query))
        hook = getattr(self, "on_request", None)
        if hook is not None:
            hook(req)
        return None if status == 0 else reply

    def _faulty(self, req: Request, fault: Fault | None) -> Reply:
        kind = fault.kind if fault else ""
        if kind == "429":
            return self.throttled_reply(_seconds_text(fault.retry_after))  # type: ignore[union-attr]
        if kind == "429-text":
            return Reply(429, b"Too Many Requests", headers={self.rate_headers[2]: _seconds_text(fault.retry_after)}, content_type="text/plain")  # type: ignore[union-attr]
        if kind in ("503", "drop"):
            return self.error_reply(503)
        if kind in ("503-after", "drop-after"):
            self.route(req)
            return self.error_reply(503)
        if kind == "html":
            return Reply(200, b"<!DOCTYPE html><html><body>Please sign in</body></html>", content_type="text/html; charset=utf-8")
        reply = self.route(req)
        if kind == "truncated":
            data = reply.data()
            return Reply(reply.status, data[: max(len(data) // 2, 1)], reply.headers, reply.content_type)
        return reply

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Server:
        return Server(self, port, host)


def _seconds_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


class Server:
    """A :class:`VendorApp` on ``host:port`` in a daemon thread; ``stop()`` ends it."""

    def __init__(self, app: VendorApp, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app
        handler = _handler_for(app)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{app.vendor}-server", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        self.thread.join()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(app: VendorApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("host") or f"127.0.0.1:{self.server.server_address[1]}"
            req = Request(self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}, body, f"http://{host}")
            try:
                reply = app.dispatch(req)
            except Exception as exc:  # a server bug must show up as a 500, not a hang
                reply = Reply(500, {"error": "InternalError", "description": f"{type(exc).__name__}: {exc}"})
            if reply is None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            data = reply.data()
            self.send_response(reply.status)
            if data or reply.status not in (204, 301, 304):
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    return Handler


def run_cli(make_app: Callable[[argparse.Namespace], VendorApp], description: str, *, extra: Callable[[argparse.ArgumentParser], None] | None = None, banner: Callable[[VendorApp, Server], str] | None = None) -> None:
    """``python -m tests.servers.<vendor> --port 8765``: seed, serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1", help="stay on 127.0.0.1 unless you know why")
    parser.add_argument("--rate-limit", type=int, default=None, help="credits per window (default: unlimited)")
    parser.add_argument("--rate-window", type=float, default=60.0)
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    app = make_app(args)
    if args.rate_limit:
        app.rate_limit, app.rate_window = args.rate_limit, args.rate_window
    server = app.serve(args.port, args.host)
    print(banner(app, server) if banner else f"{app.vendor} contract server on {server.url}", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()


__all__ = ["FAULT_KINDS", "Fault", "LogEntry", "Reply", "Request", "Server", "VendorApp", "iso", "parse_iso", "run_cli"]
