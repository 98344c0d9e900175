"""A TCP proxy in front of the real Dovecot that misbehaves on purpose (127.0.0.1, threads).

Dovecot never breaks the protocol, so the bad-server cases are made here, on the bytes
Dovecot sends: the proxy follows the server's output line by line and literal by literal
(``{N}\\r\\n`` + N bytes) and

* ``cut_after_literals = n``: after forwarding ``n`` literals that contain
  ``cut_marker`` (message bodies), closes both sides mid-FETCH; with
  ``refuse_after_cut`` it then refuses new connections too (the server "went away");
* ``lie_marker``: a literal containing these bytes is announced ``lie_by`` bytes shorter
  than it is (a server whose literal sizes lie), every time it is sent.

Stop with :meth:`FaultyProxy.stop` (closes the listener and every open socket).
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field

_LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n$")


@dataclass
class FaultyProxy:
    upstream_port: int
    cut_after_literals: int | None = None
    cut_marker: bytes = b""
    refuse_after_cut: bool = False
    lie_marker: bytes | None = None
    lie_by: int = 40
    port: int = 0
    cuts: int = 0
    lies: int = 0
    _literals_seen: int = 0
    _listener: socket.socket | None = None
    _sockets: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: bool = False

    def start(self) -> FaultyProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped = True
        if self._listener is not None:
            self._close(self._listener)
        with self._lock:
            for sock in self._sockets:
                self._close(sock)
            self._sockets.clear()

    # ---------------------------------------------------------------- plumbing
    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._stopped:
                self._close(client)
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                self._close(client)
                continue
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._copy, args=(client, server), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(server, client), daemon=True).start()

    def _copy(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._close(target)

    def _server_to_client(self, server: socket.socket, client: socket.socket) -> None:
        reader = server.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    break
                match = _LITERAL_AT_END.search(line)
                if not match:
                    client.sendall(line)
                    continue
                size = int(match.group(1))
                literal = reader.read(size)
                announced = size
                if self.lie_marker and self.lie_marker in literal:
                    announced = max(0, size - self.lie_by)
                    self.lies += 1
                head = line[: match.start()] + b"{%d}\r\n" % announced
                client.sendall(head + literal)
                if self.cut_marker and self.cut_marker in literal:
                    self._literals_seen += 1
                    if self.cut_after_literals is not None and self._literals_seen >= self.cut_after_literals:
                        self.cut_after_literals = None
                        self.cuts += 1
                        if self.refuse_after_cut:
                            self.stop()
                        break
        except OSError:
            pass
        finally:
            self._close(client)
            self._close(server)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
