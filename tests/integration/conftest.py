"""Fixtures for the whole-app helpdesk flows: one running helpdesk per vendor (the real
RT, the Zendesk / Help Scout / Freshdesk contract servers on free 127.0.0.1 ports) and an
isolated inbox home driven through the real CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.test_freshdesk import FreshdeskTarget
from tests.connectors.test_helpscout import HelpScoutTarget
from tests.connectors.test_rt import RTTarget
from tests.connectors.test_zendesk import Env, ZendeskTarget
from tests.integration.helpers import Desk, Inbox
from tests.servers import freshdesk as fd_server
from tests.servers import helpscout as hs_server
from tests.servers import zendesk_data as zd_data
from tests.servers.freshdesk import FreshdeskState
from tests.servers.helpscout import HelpScoutState
from tests.servers.rt import INSTALL_HINT, RTServer, apt_unreachable_reason, rt_installed, start_rt
from tests.servers.zendesk import ZendeskState

VENDORS = ("rt", "zendesk", "helpscout", "freshdesk")


@pytest.fixture(scope="session")
def rt_for_flows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTServer]:
    if not rt_installed():
        reason = apt_unreachable_reason()
        if reason:
            pytest.skip(
                "!!! WARNING: Request Tracker flow SKIPPED: apt could not reach the Debian archive to install "
                f"request-tracker5 ({reason.splitlines()[0]}) !!!"
            )
        pytest.fail(f"Request Tracker 5 is not installed; install it with:\n    {INSTALL_HINT}", pytrace=False)
    server = start_rt(tmp_path_factory.mktemp("rt-flows"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(tmp_path / "home", tmp_path / "keyring.json")


_SECRETS: list[Path] = []


def _echo(secret: str) -> str:
    """A ``--token-command`` that prints ``secret`` without naming it (``cat FILE``)."""
    folder = _SECRETS[0]
    path = folder / f"secret-{abs(hash(secret))}"
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return f"cat {path}"


@pytest.fixture(scope="session", autouse=True)
def secret_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    _SECRETS[:] = [tmp_path_factory.mktemp("secrets")]


@pytest.fixture(params=VENDORS)
def desk(request: pytest.FixtureRequest) -> Iterator[Desk]:
    kind = request.param
    if kind == "rt":
        server: RTServer = request.getfixturevalue("rt_for_flows")
        yield Desk(
            "rt",
            ["--url", server.url, "--queue", "Support", "--token-command", _echo(server.agent_token)],
            RTTarget(server),
            secrets=[server.agent_token],
        )
        return
    if kind == "zendesk":
        zd = ZendeskState()
        running = zd.serve(0)
        env = Env(zd, running.url)
        desk = Desk("zendesk", ["--url", running.url, "--token-command", _echo(zd_data.ACCESS_TOKEN)], ZendeskTarget(env), [zd_data.ACCESS_TOKEN])
    elif kind == "helpscout":
        hs = HelpScoutState()
        running = hs.serve(0)
        hs.url, hs.opened = running.url, []  # type: ignore[attr-defined]
        desk = Desk(
            "helpscout",
            ["--url", running.url, "--mailbox", "1", "--client-id", hs_server.CLIENT_ID, "--token-command", _echo(hs_server.CLIENT_SECRET)],
            HelpScoutTarget(hs),
            [hs_server.CLIENT_SECRET],
        )
    else:
        fds = FreshdeskState()
        running = fds.serve(0)
        fds.url, fds.opened = running.url, []  # type: ignore[attr-defined]
        desk = Desk("freshdesk", ["--url", running.url, "--token-command", _echo(fd_server.API_KEY)], FreshdeskTarget(fds), [fd_server.API_KEY])
    try:
        yield desk
    finally:
        running.stop()
