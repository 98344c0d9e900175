"""A private Request Tracker 5 (Debian's ``request-tracker5``) on 127.0.0.1 for tests.

``start_rt(workdir)`` gives every caller its own instance: its own SQLite file, its own
site config (``RT_SITE_CONFIG``/``RT_SITE_CONFIG_DIR`` point into ``workdir``, so ``/etc``
is never touched), its own ``rt-server`` (Starlet) on a free port, and outgoing mail
written as files under ``workdir/outgoing`` instead of being sent. ``RTServer.stop()``
ends the server by its PID (it runs in its own session, so a leftover worker is ended by
its process group, never by name).

Seeded on start: queues ``Support`` and ``Billing`` (synced by the tests, with a
multi-value ``Tags`` ticket custom field), ``Other`` (no Tags field; not synced unless a
test says so) and ``Vendor`` (a custom lifecycle with a ``waiting-on-vendor`` status);
privileged agents ``agent`` (with a REST 2.0 token) and ``bob``; rights for ``Everyone``
to write in by mail. The seeding helpers talk to RT the way the world does: REST 2.0 as
root for agent actions, the mail gateway (``/REST/1.0/NoAuth/mail-gateway``, what
``rt-mailgate`` posts to) for customer mail.

Run by hand: ``python -m tests.servers.rt`` starts one and prints how to reach it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx

from tests.servers.rt_site import AGENT, AGENT_PASSWORD, ROOT_PASSWORD, SECOND_AGENT, seed, write_site_config

RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
RT_SETUP_DATABASE = Path("/usr/sbin/rt-setup-database-5")
SETUP_SCRIPT = Path(__file__).with_name("rt_setup.sh")
APT_UNREACHABLE_MARKER = Path("/var/tmp/inbox-tui-rt-apt-unreachable")
"""Written by ``rt_setup.sh`` when apt could not reach the archive (the only allowed skip)."""

INSTALL_HINT = f"sudo bash {SETUP_SCRIPT.relative_to(Path(__file__).parents[2])}   (what .ci/run calls)"

class RTNotInstalled(RuntimeError):
    """Request Tracker is not installed here; the message says how to install it."""


def rt_installed() -> bool:
    """``request-tracker5`` plus its SQLite driver (``rt5-db-sqlite``) are present."""
    if not (RT_SERVER.is_file() and RT_SETUP_DATABASE.is_file()):
        return False
    return subprocess.run(["perl", "-MDBD::SQLite", "-e", "1"], capture_output=True).returncode == 0


def apt_unreachable_reason() -> str | None:
    """Why the setup script could not install RT, when the cause was the network."""
    try:
        return APT_UNREACHABLE_MARKER.read_text(encoding="utf-8").strip() or "apt could not reach the archive"
    except OSError:
        return None


# --------------------------------------------------------------------------- server


@dataclass
class RTServer:
    workdir: Path
    port: int
    pid: int
    agent_token: str
    root_token: str
    timezone: str
    startup_seconds: float = 0.0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The RT base URL as a user would configure it (``WebPath`` is ``/rt``)."""
        return f"http://127.0.0.1:{self.port}/rt"

    @property
    def api(self) -> str:
        return f"{self.url}/REST/2.0"

    @property
    def log_path(self) -> Path:
        return self.workdir / "rt-server.log"

    def settings(self, queues: Sequence[str] = ("Support", "Billing"), **extra: Any) -> dict[str, Any]:
        """Connector settings for the ``agent`` account (the token is a secret: see ``secrets``)."""
        return {"url": self.url, "queues": list(queues), "agent": AGENT, "token": {"env": "RT_TOKEN"}, **extra}

    def secrets(self) -> dict[str, str]:
        return {"token": self.agent_token, "password": AGENT_PASSWORD}

    # ------------------------------------------------------------------ lifecycle
    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return _exists(self.pid)

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        _stop_process_group(self.pid, self.process)

    # ------------------------------------------------------------------ REST as root
    @property
    def http(self) -> httpx.Client:
        """A REST 2.0 client authenticated as ``root`` (the administrator seeding data)."""
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.api, headers={"Authorization": f"token {self.root_token}"}, timeout=60.0
            )
        return self._http

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"RT {method} {path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def ticket(self, ticket_id: int | str) -> dict[str, Any]:
        return self.rest("GET", f"/ticket/{ticket_id}")

    def history(self, ticket_id: int | str) -> list[dict[str, Any]]:
        """Every transaction of a ticket with its creator and text, oldest first."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.rest(
                "GET",
                f"/ticket/{ticket_id}/history",
                params={"page": page, "per_page": 100, "fields": "Type,Creator,Created,Field,OldValue,NewValue"},
            )
            items.extend(data["items"])
            if page >= int(data.get("pages") or 1):
                break
            page += 1
        for item in items:
            if item["Type"] in ("Create", "Correspond", "Comment"):
                parts = self.rest(
                    "GET", f"/transaction/{item['id']}/attachments", params={"fields": "ContentType,Content"}
                )["items"]
                item["text"] = "".join(p.get("Content") or "" for p in parts if p["ContentType"].startswith("text/"))
        return items

    def create_ticket(
        self,
        subject: str = "Printer on fire",
        body: str = "It is on fire.",
        *,
        queue: str = "Support",
        requestor: str = "carol@customer.example",
        content_type: str = "text/plain",
        **fields: Any,
    ) -> int:
        """A ticket created by root through REST (its Create is written by an agent)."""
        data = self.rest(
            "POST",
            "/ticket",
            json={
                "Queue": queue,
                "Subject": subject,
                "Requestor": requestor,
                "Content": body,
                "ContentType": content_type,
                **fields,
            },
        )
        return int(data["id"])

    def correspond(self, ticket_id: int, body: str, content_type: str = "text/plain") -> None:
        self.rest("POST", f"/ticket/{ticket_id}/correspond", json={"Content": body, "ContentType": content_type})

    def comment(self, ticket_id: int, body: str) -> None:
        self.rest("POST", f"/ticket/{ticket_id}/comment", json={"Content": body, "ContentType": "text/plain"})

    def update(self, ticket_id: int, **fields: Any) -> list[str]:
        return self.rest("PUT", f"/ticket/{ticket_id}", json=fields)

    def mail(
        self,
        sender: str,
        subject: str,
        body: str,
        *,
        queue: str = "Support",
        ticket_id: int | None = None,
        html: str | None = None,
        action: str = "correspond",
    ) -> int:
        """Deliver a customer's e-mail through RT's mail gateway, as ``rt-mailgate`` does.

        Without ``ticket_id`` it opens a ticket; with one the subject carries ``[rtname #id]``
        so RT threads it. Returns the ticket id RT answered with."""
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = f"{queue.lower()}@example.test"
        msg["Subject"] = f"[inbox-tui-test #{ticket_id}] {subject}" if ticket_id else subject
        msg["Message-ID"] = make_msgid(domain="customer.example")
        if html is None:
            msg.set_content(body)
        elif body:
            msg.set_content(body)
            msg.add_alternative(html, subtype="html")
        else:
            msg.set_content(html, subtype="html")
        response = httpx.post(
            f"{self.url}/REST/1.0/NoAuth/mail-gateway",
            data={"queue": queue, "action": action, "message": msg.as_string()},
            timeout=60.0,
        )
        text = response.text
        if response.status_code != 200 or not text.startswith("ok"):
            raise RuntimeError(f"RT mail gateway refused the message: HTTP {response.status_code} {text[:300]}")
        return self._ticket_of_message(msg["Message-ID"].strip("<>"))

    def _ticket_of_message(self, message_id: str) -> int:
        """The ticket RT filed a mail under (the gateway names it only in DevelMode)."""
        found = self.rest(
            "POST",
            "/attachments",
            params={"fields": "TransactionId"},
            json=[{"field": "MessageId", "value": message_id}],
        )["items"]
        if not found:
            raise RuntimeError(f"RT accepted mail <{message_id}> but filed it nowhere (see {self.log_path})")
        txn = self.rest("GET", f"/transaction/{found[0]['TransactionId']}")
        return int(txn["Object"]["id"])

    def outgoing_mail(self) -> list[str]:
        """Raw messages RT tried to send, oldest first (its sendmail writes files here)."""
        folder = self.workdir / "outgoing"
        return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.eml"))]


def start_rt(
    workdir: Path,
    *,
    timezone: str = "UTC",
    workers: int = 2,
    wait_seconds: float = 120.0,
) -> RTServer:
    """Initialise a fresh RT database in ``workdir`` and start ``rt-server`` on a free port.

    Raises ``RTNotInstalled`` when the packages are missing and ``RuntimeError`` (with the
    server log) when RT does not come up."""
    if not rt_installed():
        raise RTNotInstalled(f"Request Tracker 5 is not installed. Install it with:\n    {INSTALL_HINT}")
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = write_site_config(workdir, timezone, port)
    _run_logged(
        [str(RT_SETUP_DATABASE), "--action", "init", "--skip-create", "--root-password-file", str(workdir / "root.pw")],
        env,
        workdir / "setup.log",
    )
    seeded = seed(workdir, env)
    process = _launch(workdir, env, port, workers)
    server = RTServer(workdir, port, process.pid, seeded["agent_token"], seeded["root_token"], timezone, process=process)
    try:
        _wait_ready(server, wait_seconds)
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - started
    return server


def _run_logged(argv: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a", encoding="utf-8") as out:
        done = subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed (rc {done.returncode}):\n{log.read_text(encoding='utf-8')[-3000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _launch(workdir: Path, env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    log = (workdir / "rt-server.log").open("ab")
    proc = subprocess.Popen(
        [str(RT_SERVER), "--server", "Starlet", "--host", "127.0.0.1", "--port", str(port),
         "--max-workers", str(workers), "--webpath", "/rt"],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() can end stray workers by group
    )
    log.close()
    (workdir / "rt-server.pid").write_text(str(proc.pid), encoding="utf-8")
    return proc


def _wait_ready(server: RTServer, wait_seconds: float) -> None:
    """Ready = REST 2.0 answers an authenticated request with RT's version.

    ``GET /`` is no readiness signal: an RT that cannot open its database serves its web
    installer with 200."""
    deadline = time.monotonic() + wait_seconds
    headers = {"Authorization": f"token {server.agent_token}"}
    while True:
        try:
            response = httpx.get(f"{server.api}/rt", headers=headers, timeout=5.0)
            if response.status_code == 200 and "Version" in response.text:
                return
        except httpx.HTTPError:
            pass
        if not server.alive():
            raise RuntimeError(f"rt-server exited during start-up:\n{_tail(server.log_path)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"RT not ready after {wait_seconds:.0f}s:\n{_tail(server.log_path)}")
        time.sleep(0.2)


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def _stop_process_group(pid: int, process: subprocess.Popen[bytes] | None = None, grace: float = 10.0) -> None:
    """SIGTERM the Starlet master (it stops its workers), then SIGKILL what is left of its
    process group. The group is the server's own (``start_new_session``), never ours."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if process is not None:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    else:  # started by another process (python -m tests.servers.rt): poll it
        deadline = time.monotonic() + grace
        while _exists(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process is not None:
        process.wait(timeout=5)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Start a private Request Tracker on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("--dir", help="work folder (default: a new temporary one)")
    parser.add_argument("--timezone", default="UTC")
    args = parser.parse_args()
    workdir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="rt-"))
    server = start_rt(workdir, timezone=args.timezone)
    print(f"RT {server.url} up in {server.startup_seconds:.1f}s (pid {server.pid}, files {workdir})")
    print(f"agent token: {server.agent_token}\nroot password: {ROOT_PASSWORD}")
    try:
        while server.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
