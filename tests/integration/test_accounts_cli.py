"""``inbox account add`` for each helpdesk, against contract servers started by hand
(``python -m tests.servers.zendesk --port P``), makes a config ``inbox sync`` can use; the
upstream capabilities the service offers match what each connector declares; refreshed
Zendesk OAuth tokens land in the keyring, never in config.toml."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.freshdesk import open_connector as open_freshdesk
from connectors.helpscout import open_connector as open_helpscout
from connectors.zendesk import open_connector as open_zendesk
from inbox_tui import bootstrap, paths
from inbox_tui.config import AccountConfig, AppConfig
from tests.integration.helpers import REPO, Inbox
from tests.servers import freshdesk as fd_server
from tests.servers import helpscout as hs_server
from tests.servers import zendesk_data as zd_data
from tests.servers.freshdesk import FreshdeskState
from tests.servers.helpscout import HelpScoutState
from tests.servers.zendesk import ZendeskState

pytestmark = pytest.mark.servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def by_hand(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """``python -m tests.servers.<vendor> --port P`` as a person would start it; yields
    (vendor, url) and stops the process by its pid."""
    vendor = request.param
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", f"tests.servers.{vendor}", "--port", str(port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in banner, banner
        yield vendor, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def secret_command(tmp_path: Path, value: str) -> str:
    path = tmp_path / f"secret-{len(list(tmp_path.glob('secret-*')))}"
    path.write_text(value + "\n", encoding="utf-8")
    return f"cat {path}"


HAND_ARGS = {
    "zendesk": lambda url, tmp: ["--url", url, "--token-command", secret_command(tmp, zd_data.ACCESS_TOKEN)],
    "helpscout": lambda url, tmp: [
        "--url", url, "--mailbox", "1", "--client-id", hs_server.CLIENT_ID,
        "--token-command", secret_command(tmp, hs_server.CLIENT_SECRET),
    ],  # fmt: skip
    "freshdesk": lambda url, tmp: ["--url", url, "--token-command", secret_command(tmp, fd_server.API_KEY)],
}


@pytest.mark.parametrize("by_hand", ["zendesk", "helpscout", "freshdesk"], indirect=True)
def test_account_add_then_sync_against_a_server_started_by_hand(by_hand: tuple[str, str], tmp_path: Path) -> None:
    vendor, url = by_hand
    inbox = Inbox(tmp_path / "home", tmp_path / "keyring.json")
    added = inbox.run("account", "add", vendor, "support", *HAND_ARGS[vendor](url, tmp_path))
    assert "inbox sync support" in added.stdout
    assert "support" in inbox.run("account", "list").stdout
    inbox.sync("support")
    rows = inbox.list_json()
    assert rows and all(r["account"] == "support" for r in rows)  # the seeded demo tickets
    # the secrets came from commands; only a Help Scout access token is kept (for the next sync)
    assert set(inbox.keyring()) <= ({"inbox-tui/support/token"} if vendor == "helpscout" else set())


def test_sync_with_a_wrong_secret_says_offline_and_keeps_the_secret_out(tmp_path: Path) -> None:
    state = FreshdeskState()
    server = state.serve(0)
    try:
        inbox = Inbox(tmp_path / "home", tmp_path / "keyring.json")
        inbox.run("account", "add", "freshdesk", "fd", "--url", server.url, "--token-command", secret_command(tmp_path, "fd-wrong-key-123"))
        done = inbox.run("sync", "fd", check=False)
        assert done.returncode == 1 and "offline: fd" in done.stdout, done.stdout + done.stderr
        assert "fd-wrong-key-123" not in done.stdout + done.stderr
        assert "fd-wrong-key-123" not in (inbox.home / "config.toml").read_text()
    finally:
        server.stop()


# ---------------------------------------------------------------------- capabilities


def test_registry_upstream_matches_what_each_helpdesk_connector_declares(tmp_path: Path) -> None:
    zd, hs, fd = ZendeskState(), HelpScoutState(), FreshdeskState()
    servers = [zd.serve(0), hs.serve(0), fd.serve(0)]
    try:
        opened = {
            "zendesk": open_zendesk("z", {"url": servers[0].url}, lambda k: {"token": zd_data.ACCESS_TOKEN}[k]),
            "helpscout": open_helpscout(
                "h", {"url": servers[1].url, "mailbox": 1, "client_id": hs_server.CLIENT_ID}, lambda k: hs_server.CLIENT_SECRET
            ),
            "freshdesk": open_freshdesk("f", {"url": servers[2].url}, lambda k: fd_server.API_KEY),
        }
        for kind, connector in opened.items():
            assert bootstrap.REGISTRY[kind].upstream == bootstrap.declared(connector.capabilities), kind
            connector.close()
    finally:
        for server in servers:
            server.stop()


def test_a_capability_the_connector_turns_out_not_to_have_is_hidden_after_it_connected(tmp_path: Path) -> None:
    """RT decides tags when it connects (a ``Tags`` field or not): the service stops
    offering what the connector declared missing; a Maildir without a send command never
    offers reply."""
    paths.set_home(tmp_path)
    try:
        config = AppConfig(
            path=tmp_path / "config.toml",
            accounts={
                "desk": AccountConfig("desk", "rt", {"url": "http://127.0.0.1:9", "queues": ["Support"]}),
                "mail": AccountConfig("mail", "maildir", {"path": str(tmp_path)}),
            },
        )
        assert "tags" in bootstrap.upstream_of(config)["desk"]  # not known yet: allowed
        assert "reply" not in bootstrap.upstream_of(config)["mail"]

        class Untagged:
            capabilities = type("C", (), {"reply": True, "note": True, "status": True, "assign": True, "tags": False})()

        bootstrap._remember_capabilities("desk", Untagged())  # type: ignore[arg-type]
        assert bootstrap.upstream_of(config)["desk"] == frozenset({"reply", "note", "status", "assign"})
    finally:
        paths.set_home(None)


# ---------------------------------------------------------------------- OAuth refresh


def test_refreshed_zendesk_tokens_go_to_the_keyring_never_the_config(tmp_path: Path) -> None:
    state = ZendeskState()
    server = state.serve(0)
    try:
        state.create_ticket("a@example.org", "Refresh me", "hello", at=state.now() - 3600)
        inbox = Inbox(tmp_path / "home", tmp_path / "keyring.json")
        inbox.run(
            "account", "add", "zendesk", "zd", "--url", server.url,
            "--token-command", secret_command(tmp_path, zd_data.ACCESS_TOKEN),
            "--refresh-token-command", secret_command(tmp_path, zd_data.REFRESH_TOKEN),
            "--client-id", zd_data.CLIENT_ID,
            "--client-secret-command", secret_command(tmp_path, zd_data.CLIENT_SECRET),
        )  # fmt: skip
        state.expire_tokens()
        inbox.sync("zd")

        kept = inbox.keyring()
        access, refresh = kept.get("inbox-tui/zd/token"), kept.get("inbox-tui/zd/refresh_token")
        assert access in state.access_tokens and refresh in state.refresh_tokens
        assert zd_data.REFRESH_TOKEN not in state.refresh_tokens  # the command's token is dead now
        config = (inbox.home / "config.toml").read_text()
        assert access not in config and refresh not in config and zd_data.ACCESS_TOKEN not in config

        # the next sync uses the kept access token (the command's was expired): no refresh
        before = len(state.requests("POST", "/oauth/tokens"))
        inbox.sync("zd")
        assert len(state.requests("POST", "/oauth/tokens")) == before
        # and when that one expires too, the kept refresh token (not the dead one) works
        state.expire_tokens()
        inbox.sync("zd")
        assert inbox.keyring()["inbox-tui/zd/refresh_token"] in state.refresh_tokens
        assert len(state.requests("POST", "/oauth/tokens")) == before + 1
    finally:
        server.stop()


def test_help_scout_access_token_is_kept_in_the_keyring_between_syncs(tmp_path: Path) -> None:
    state = HelpScoutState()
    server = state.serve(0)
    try:
        state.add_conversation("Keep my token", "k@customer.example", [("customer", "hello")])
        inbox = Inbox(tmp_path / "home", tmp_path / "keyring.json")
        inbox.run(
            "account", "add", "helpscout", "hs", "--url", server.url, "--mailbox", "1",
            "--client-id", hs_server.CLIENT_ID, "--token-command", secret_command(tmp_path, hs_server.CLIENT_SECRET),
        )  # fmt: skip
        inbox.sync("hs")
        assert len(state.requests("POST", "/oauth2/token")) == 1
        kept = inbox.keyring().get("inbox-tui/hs/token")
        assert kept and kept not in (inbox.home / "config.toml").read_text()

        inbox.sync("hs")  # the kept token: no new one
        assert len(state.requests("POST", "/oauth2/token")) == 1
        state.expire_tokens()
        inbox.sync("hs")  # 401 → one new token, kept in its place
        assert len(state.requests("POST", "/oauth2/token")) == 2
        assert inbox.keyring()["inbox-tui/hs/token"] != kept
    finally:
        server.stop()
