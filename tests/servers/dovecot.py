"""A private Dovecot (Debian's ``dovecot-imapd`` + ``dovecot-lmtpd``) on 127.0.0.1 for tests.

``start_dovecot(workdir, DovecotOptions(...))`` gives the caller its own instance: its own
config, ``base_dir``, ``state_dir``, log and Maildir tree under ``workdir``, on free ports;
``/etc/dovecot`` is never read. Variants (``DovecotOptions``):

* ``tls``: a self-signed CA + a server certificate for 127.0.0.1 and
  ``imap.example.test`` (deliberately NOT ``localhost``, a name that also reaches it, so a
  test can connect under a name the certificate does not hold) are generated at start (``ca_file`` to trust them); the plain listener then offers STARTTLS and a second
  listener speaks implicit TLS (``tls_port``). Without ``tls`` the server has ``ssl = no``
  (so it offers no STARTTLS at all).
* ``sent``: the name of the Sent mailbox, created for every user; ``special_use_sent``
  marks it ``\\Sent`` (RFC 6154) or leaves it unmarked so clients must guess by name.
* ``oauth2_tokeninfo``: an URL prefix; XOAUTH2/OAUTHBEARER are then offered and checked
  by Dovecot's oauth2 passdb against that token-info endpoint (see :class:`TokenInfo`).
* ``readonly_keywords``: the user may set system flags but not create keywords
  (ACL without the ``w`` right), so PERMANENTFLAGS lacks ``\\*``.

Helpers act the way the world does, never through the connector under test: mail
arrives by ``doveadm save`` (what a delivery agent does) or by LMTP (:meth:`Dovecot.lmtp`),
another client's flag changes / expunges / a UIDVALIDITY reset go through ``doveadm``.

``Dovecot.stop()`` ends the master by its PID (its own session, so leftover children go
with its process group, never by name). Dovecot refuses to run mail processes as root, so
as root the mail user is ``nobody``; as another user, everything runs as that user.

Run by hand: ``python -m tests.servers.dovecot`` starts one and prints how to reach it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import grp
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
INSTALL_HINT = "apt-get install -y dovecot-imapd dovecot-lmtpd   (what .ci/run installs)"
DOMAIN = "example.test"
CERT_NAME = "imap.example.test"
"""The one DNS name in the test server certificate (besides the IP 127.0.0.1)."""


class DovecotMissing(RuntimeError):
    """Dovecot is not installed here; the message says how to install it."""


def dovecot_installed() -> bool:
    return Path(DOVECOT).is_file() and Path(DOVEADM).is_file() and Path("/usr/lib/dovecot/lmtp").is_file()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class DovecotOptions:
    tls: bool = False
    sent: str = "Sent"
    special_use_sent: bool = True
    oauth2_tokeninfo: str | None = None
    readonly_keywords: bool = False
    extra_folders: tuple[str, ...] = ()


@dataclass
class Dovecot:
    workdir: Path
    options: DovecotOptions
    port: int
    tls_port: int | None
    pid: int
    ca_file: Path | None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    users: dict[str, str] = field(default_factory=dict)
    startup_seconds: float = 0.0

    # ------------------------------------------------------------------ paths
    @property
    def config(self) -> Path:
        return self.workdir / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.workdir / "dovecot.log"

    @property
    def lmtp_socket(self) -> Path:
        return self.workdir / "run" / "lmtp"

    @property
    def tls_files(self) -> TlsFiles | None:
        """The CA and server certificate (``tls`` variant), e.g. for an SMTP sink."""
        if self.ca_file is None:
            return None
        tls = self.workdir / "tls"
        return TlsFiles(tls / "ca.pem", tls / "server.pem", tls / "server.key")

    def maildir(self, user: str) -> Path:
        return self.workdir / "mail" / user

    # ------------------------------------------------------------------ users
    def add_user(self, user: str, password: str = "secret") -> str:
        """A new mailbox owner. Dovecot re-reads passwd-file at most once a second, so this
        waits until the user is visible (start with ``users=`` to skip the wait)."""
        if self.users.get(user) == password:
            return user
        self.users[user] = password
        _write_passwd(self.workdir, self.users)
        deadline = time.monotonic() + 5
        while not self.doveadm_ok("user", user):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Dovecot does not see the new user {user}:\n{self.log_tail()}")
            time.sleep(0.1)
        return user

    def address(self, user: str) -> str:
        return f"{user}@{DOMAIN}"

    # ------------------------------------------------------------------ doveadm
    def doveadm(self, *args: str, input: bytes | None = None) -> str:
        """Run ``doveadm`` against this instance; raises ``RuntimeError`` when it fails."""
        done = self._doveadm(args, input)
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
        return done.stdout.decode("utf-8", errors="replace")

    def doveadm_ok(self, *args: str) -> bool:
        return self._doveadm(args, None).returncode == 0

    def _doveadm(self, args: Sequence[str], input: bytes | None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([DOVEADM, "-c", str(self.config), *args], input=input, capture_output=True, timeout=60)

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> int:
        """Store ``raw`` in ``folder`` as a delivery agent would; returns the new UID."""
        before = self.status(user, folder)["uidnext"]
        self.doveadm("save", "-u", user, "-m", folder, input=raw)
        return before

    def lmtp(self, recipients: Sequence[str], raw: bytes, sender: str = "") -> None:
        """Deliver over LMTP (Dovecot's own socket), the way an MTA hands mail over.

        One transaction per recipient: LMTP answers DATA once per recipient and smtplib
        reads only one answer."""
        for rcpt in recipients:
            with smtplib.LMTP(str(self.lmtp_socket)) as client:
                client.sendmail(sender or f"postmaster@{DOMAIN}", [rcpt], raw)

    def status(self, user: str, folder: str = "INBOX") -> dict[str, int]:
        fields = "messages uidnext uidvalidity highestmodseq"
        out = self.doveadm("-f", "tab", "mailbox", "status", "-u", user, fields, folder)
        header, values = out.strip().splitlines()[:2]
        return {k: int(v) for k, v in zip(header.split("\t"), values.split("\t")) if k != "mailbox"}

    def uids(self, user: str, folder: str = "INBOX", *query: str) -> list[int]:
        out = self.doveadm("search", "-u", user, "mailbox", folder, *(query or ("ALL",)))
        return sorted(int(line.split()[1]) for line in out.splitlines() if line.strip())

    def flags(self, user: str, folder: str, uid: int) -> set[str]:
        out = self.doveadm("-f", "flow", "fetch", "-u", user, "flags", "mailbox", folder, "uid", str(uid))
        return set(out.strip().removeprefix("flags=").split())

    def add_flags(self, user: str, folder: str, uid: int, *flags: str) -> None:
        """Another client sets ``flags`` (``\\Seen``, a keyword …) on one message."""
        self.doveadm("flags", "add", "-u", user, " ".join(flags), "mailbox", folder, "uid", str(uid))

    def remove_flags(self, user: str, folder: str, uid: int, *flags: str) -> None:
        self.doveadm("flags", "remove", "-u", user, " ".join(flags), "mailbox", folder, "uid", str(uid))

    def expunge(self, user: str, folder: str, uid: int) -> None:
        self.doveadm("expunge", "-u", user, "mailbox", folder, "uid", str(uid))

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """Force a new UIDVALIDITY: every client must forget the folder's UIDs."""
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)

    def fetch_raw(self, user: str, folder: str, uid: int) -> bytes:
        done = subprocess.run(
            [DOVEADM, "-c", str(self.config), "fetch", "-u", user, "text", "mailbox", folder, "uid", str(uid)],
            capture_output=True,
            timeout=60,
            check=True,
        )
        text = done.stdout
        return text.split(b"\n", 1)[1] if text.startswith(b"text:") else text

    def search_header(self, user: str, folder: str, name: str, value: str) -> list[int]:
        return self.uids(user, folder, "header", name, value)

    def create_folder(self, user: str, folder: str) -> None:
        self.doveadm_ok("mailbox", "create", "-u", user, folder)

    def delete_folder(self, user: str, folder: str) -> None:
        self.doveadm("mailbox", "delete", "-u", user, "-s", folder)

    # ------------------------------------------------------------------ life
    def stop(self) -> None:
        """End the master by its PID and wait; its process group goes with it."""
        if self.pid <= 0:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            self.pid = 0
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.05)
        else:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.pid = 0

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --------------------------------------------------------------------------- start


def start_dovecot(
    workdir: str | Path,
    options: DovecotOptions = DovecotOptions(),
    *,
    users: Iterable[str] = ("support",),
    password: str = "secret",
    prepare: Callable[[Dovecot], None] | None = None,
) -> Dovecot:
    """Write a config under ``workdir`` and start a private Dovecot on free ports.

    ``prepare`` runs after the config and users exist but before the master starts (the
    bench writes its Maildir there). Raises :class:`DovecotMissing` when not installed.
    """
    if not dovecot_installed():
        raise DovecotMissing(f"Dovecot (imapd + lmtpd) is not installed: {INSTALL_HINT}")
    root = Path(workdir).resolve()
    _check_traversable(root)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    port = free_port()
    tls_port = free_port() if options.tls else None
    ca_file = make_certificates(root / "tls").ca if options.tls else None
    server = Dovecot(root, options, port, tls_port, 0, ca_file)
    for user in users:
        server.users[user] = password
    _write_passwd(root, server.users)
    server.config.write_text(_config_text(root, options, port, tls_port), encoding="utf-8")
    if options.readonly_keywords:
        (root / "dovecot-acl").write_text("authenticated lrsitepxa\n", encoding="utf-8")
    if prepare is not None:
        prepare(server)
    _own_mail_tree(root)
    started = time.monotonic()
    with open(root / "dovecot.stdout", "wb") as output:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(server.config)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server.process = process
    server.pid = process.pid
    try:
        _wait_for_greeting(server, port, deadline=time.monotonic() + 20)
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - started
    return server


def _check_traversable(root: Path) -> None:
    """Dovecot's own users (auth, mail) must reach the workdir: as root, every parent
    needs the x bit for others (pytest's ``/tmp/pytest-of-root`` has not)."""
    if os.geteuid() != 0:
        return
    for parent in root.parents:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise ValueError(
                f"{parent} is not traversable by other users, so Dovecot's processes cannot reach "
                f"{root}; use a directory under /tmp made with tempfile.mkdtemp()"
            )


def _wait_for_greeting(server: Dovecot, port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            out = (server.workdir / "dovecot.stdout").read_text(errors="replace")
            raise RuntimeError(f"dovecot exited with {server.process.returncode}:\n{out}\n{server.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"dovecot did not greet on port {port} within 20 s:\n{server.log_tail()}")


def mail_owner() -> tuple[int, int, str]:
    """``(uid, gid, user name)`` the mail processes run as."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, grp.getgrnam("nogroup").gr_gid if _has_group("nogroup") else entry.pw_gid, "nobody"
    entry = pwd.getpwuid(os.geteuid())
    return entry.pw_uid, os.getegid(), entry.pw_name


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _own_mail_tree(root: Path) -> None:
    if os.geteuid() != 0:
        return
    uid, gid, _ = mail_owner()
    for base in (root / "mail", root / "home"):
        os.chown(base, uid, gid)
        for dirpath, dirnames, filenames in os.walk(base):
            for name in dirnames + filenames:
                os.lchown(os.path.join(dirpath, name), uid, gid)


def _write_passwd(root: Path, users: dict[str, str]) -> None:
    uid, gid, _ = mail_owner()
    lines = [f"{user}:{{PLAIN}}{password}:{uid}:{gid}::{root / 'home' / user}::" for user, password in users.items()]
    tmp = root / "passwd.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o644)
    # Dovecot re-reads the file when its mtime (seconds) or size changes: two users added
    # within one second with names of one length would go unnoticed, so step the mtime.
    target = root / "passwd"
    previous = int(target.stat().st_mtime) if target.exists() else 0
    stamp = max(int(time.time()), previous + 1)
    os.utime(tmp, (stamp, stamp))
    tmp.replace(target)


def _config_text(root: Path, options: DovecotOptions, port: int, tls_port: int | None) -> str:
    uid, gid, user = mail_owner()
    running_as_root = os.geteuid() == 0
    internal = "dovecot" if running_as_root else user
    login = "dovenull" if running_as_root else user
    mechanisms = "plain login" + (" xoauth2 oauthbearer" if options.oauth2_tokeninfo else "")
    special = "  special_use = \\Sent\n" if options.special_use_sent else ""
    folders = "".join(f'  mailbox "{name}" {{\n    auto = create\n  }}\n' for name in options.extra_folders)
    ssl = "no"
    tls_block = ""
    if options.tls:
        ssl = "yes"
        tls_block = (
            f"ssl_cert = <{root / 'tls' / 'server.pem'}\n"
            f"ssl_key = <{root / 'tls' / 'server.key'}\n"
            "ssl_min_protocol = TLSv1.2\n"
        )
    imaps = ""
    if tls_port:
        imaps = f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n"
    oauth = ""
    if options.oauth2_tokeninfo:
        (root / "oauth2.conf").write_text(
            f"tokeninfo_url = {options.oauth2_tokeninfo}\nusername_attribute = username\n"
            "active_attribute = active\nactive_value = true\n",
            encoding="utf-8",
        )
        oauth = f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {root / 'oauth2.conf'}\n}}\n"
    acl = ""
    plugins = ""
    if options.readonly_keywords:
        plugins = "mail_plugins = acl\n"
        acl = f"plugin {{\n  acl = vfile:{root / 'dovecot-acl'}\n}}\n"
    return f"""# generated by tests/servers/dovecot.py; private instance, nothing under /etc is read
instance_name = inbox-tui-test-{port}
base_dir = {root / 'run'}
state_dir = {root / 'state'}
log_path = {root / 'dovecot.log'}
protocols = imap lmtp
listen = 127.0.0.1
ssl = {ssl}
{tls_block}disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_username_format = %Ln
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(uid, 500)}
mail_location = maildir:{root / 'mail'}/%n
mail_uid = {uid}
mail_gid = {gid}
{plugins}{acl}mail_fsync = never
maildir_very_dirty_syncs = no
lmtp_save_to_detail_mailbox = no
{oauth}passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%n {root / 'passwd'}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {root / 'passwd'}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{options.sent}" {{
    auto = create
{special}  }}
{folders}}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
{imaps}  process_min_avail = 1
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


# --------------------------------------------------------------------------- TLS material


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def make_certificates(directory: Path) -> TlsFiles:
    """A throw-away CA and a server certificate for 127.0.0.1 and ``CERT_NAME`` (also used
    by the SMTP sink). Trust ``ca`` to verify; the system store does not know it.

    ``localhost`` is left out on purpose: it resolves to 127.0.0.1 too, so connecting by
    that name reaches the server under a name its certificate does not hold."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inbox-tui test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_NAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(CERT_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca.write_bytes(ca.public_bytes(pem))
    files.cert.write_bytes(cert.public_bytes(pem))
    files.key.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(files.key, 0o600)
    return files


# --------------------------------------------------------------------------- OAuth2 token info


class TokenInfo:
    """A tiny OAuth2 token-info endpoint for Dovecot's oauth2 passdb (127.0.0.1, thread).

    ``grant(token, user)`` makes ``token`` valid for ``user``; Dovecot asks
    ``GET /tokeninfo?access_token=<token>`` and gets ``{"username": user, "active": "true"}``
    (or 401 for an unknown token). ``requests`` lists the tokens it was asked about.
    """

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.requests: list[str] = []
        info = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                query = parse_qs(urlsplit(self.path).query)
                token = (query.get("access_token") or [""])[0]
                info.requests.append(token)
                user = info.tokens.get(token)
                body = json.dumps({"username": user, "active": "true"} if user else {"error": "invalid_token"}).encode()
                self.send_response(200 if user else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/tokeninfo?access_token="

    def grant(self, token: str, user: str) -> None:
        self.tokens[token] = user

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- by hand


def main() -> None:  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    server = start_dovecot(workdir, DovecotOptions(tls=args.tls))
    print(f"Dovecot on 127.0.0.1:{server.port} (user support / secret), workdir {workdir}")
    if server.tls_port:
        print(f"implicit TLS on {server.tls_port}, CA {server.ca_file}")
    print("Ctrl-C stops it.")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
