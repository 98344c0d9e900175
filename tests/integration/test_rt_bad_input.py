"""Bad input from Request Tracker. RT itself answers well, so a small proxy in front of
the real RT spoils chosen answers (cut-off JSON, an HTML page, ``null`` where RT always
sends values); a huge body goes through RT for real.

RT reads the transactions of a whole page of tickets in one search, so a garbage answer
there fails that page: the account is reported offline with a clear reason, what earlier
pages stored stays, nothing of the broken page is stored half, and the next sync reads it
whole.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from connectors.rt import open_connector
from connectors.rt.mapping import MAX_BODY_CHARS
from inbox_tui.model import Status
from inbox_tui.store import Store
from inbox_tui.sync import SyncEngine
from tests.servers.rt import RTServer

pytestmark = pytest.mark.servers

SETTLE = 3  # RT's LastUpdated has whole seconds; the connector waits 2 s for them to settle
Mangle = Callable[[str, bytes], bytes]


class SpoilingProxy:
    """Forwards to RT; the first request whose path contains ``path`` gets ``mangle`` applied
    to RT's answer body (``times`` requests in all)."""

    def __init__(self, rt: RTServer) -> None:
        self.rt = rt
        self.rules: list[list[Any]] = []
        upstream = urlsplit(rt.url)
        self.client = httpx.Client(base_url=f"{upstream.scheme}://{upstream.netloc}", timeout=60)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                answer = proxy.client.request(self.command, self.path, content=body, headers=headers)
                content = proxy.spoil(self.path, answer.content)
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _any  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{upstream.path}"

    def spoil_next(self, path: str, mangle: Mangle, times: int = 1) -> None:
        self.rules.append([path, mangle, times])

    def spoil(self, path: str, body: bytes) -> bytes:
        for rule in self.rules:
            if rule[0] in path.split("?")[0] and rule[2] > 0:
                rule[2] -= 1
                return rule[1](path, body)
        return body

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
        self.client.close()


def cut(path: str, body: bytes) -> bytes:
    return body[: len(body) // 2]


def login_page(path: str, body: bytes) -> bytes:
    return b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"


@pytest.fixture
def spoiled(rt_for_flows: RTServer, tmp_path: Path) -> Iterator[tuple[SpoilingProxy, Store, SyncEngine]]:
    proxy = SpoilingProxy(rt_for_flows)
    store = Store(tmp_path / "inbox.db")
    queue = "Billing"  # the flow tests use Support
    settings = {"url": proxy.url, "queues": [queue], "agent": "agent", "token": {"command": "unused: resolved below"}}
    engine = SyncEngine(store, ["rt"], lambda name: open_connector(name, settings, lambda key: rt_for_flows.agent_token))
    proxy.queue = queue  # type: ignore[attr-defined]
    try:
        yield proxy, store, engine
    finally:
        store.close()
        proxy.stop()


def bodies(store: Store, remote_id: int) -> list[str]:
    conv = store.conversation_by_remote("rt", str(remote_id))
    return [] if conv is None else [m.body_text for m in store.messages(conv.id)]


@pytest.mark.parametrize("mangle", [cut, login_page], ids=["truncated-json", "html"])
def test_garbage_transactions_answer_stores_nothing_half_and_the_next_sync_reads_it_whole(
    rt_for_flows: RTServer, spoiled: tuple[SpoilingProxy, Store, SyncEngine], mangle: Mangle
) -> None:
    proxy, store, engine = spoiled
    queue = proxy.queue  # type: ignore[attr-defined]
    tid = rt_for_flows.mail("Carol <carol@customer.example>", "Long story", "Part 0", queue=queue)
    for n in range(1, 12):
        rt_for_flows.correspond(tid, f"answer {n}")
    time.sleep(SETTLE)
    proxy.spoil_next("/transactions", mangle)

    summary = engine.run()
    assert summary.offline == ["rt"]
    assert any(w in " ".join(summary.problems) for w in ("JSON", "HTML")), summary.problems
    assert bodies(store, tid) == [], "never half a conversation"

    summary = engine.run()
    assert not summary.offline, summary.problems
    assert len(bodies(store, tid)) == 12


def test_nulls_where_rt_always_sends_values_are_problems_not_crashes(
    rt_for_flows: RTServer, spoiled: tuple[SpoilingProxy, Store, SyncEngine]
) -> None:
    proxy, store, engine = spoiled
    queue = proxy.queue  # type: ignore[attr-defined]
    odd = rt_for_flows.mail("Dan <dan@customer.example>", "Nulls", "Hello", queue=queue)
    fine = rt_for_flows.mail("Erin <erin@customer.example>", "Fine", "Hi there", queue=queue)
    time.sleep(SETTLE)

    def nulls(path: str, body: bytes) -> bytes:
        data = json.loads(body)
        for item in data.get("items") or []:
            if str(item.get("id")) == str(odd):
                item.update(Subject=None, Status=None, Requestor=None, Owner=None, Created=None, CustomFields=None)
        return json.dumps(data).encode()

    proxy.spoil_next("/tickets", nulls, times=5)
    summary = engine.run()
    assert not summary.offline, summary.problems
    conv = store.conversation_by_remote("rt", str(odd))
    assert conv is not None and conv.status is Status.OPEN and conv.customer.email == ""
    assert any(str(odd) in p for p in summary.problems), summary.problems
    assert bodies(store, fine) == ["Hi there"]


def test_a_huge_body_is_cut_and_says_so(rt_for_flows: RTServer, spoiled: tuple[SpoilingProxy, Store, SyncEngine]) -> None:
    proxy, store, engine = spoiled
    queue = proxy.queue  # type: ignore[attr-defined]
    tid = rt_for_flows.mail("Fay <fay@customer.example>", "Log file", "see below", queue=queue)
    rt_for_flows.correspond(tid, "y" * (MAX_BODY_CHARS + 500_000))
    time.sleep(SETTLE)
    summary = engine.run()
    assert not summary.offline, summary.problems
    stored = bodies(store, tid)
    assert stored[0] == "see below" and len(stored[1]) <= MAX_BODY_CHARS
    assert any("cut" in p for p in summary.problems), summary.problems
