"""A small SMTP server on loopback for tests: it answers as the test tells it to.

Real sockets and Django's real SMTP backend on the other side, so a 451, a 550 or a hang-up in
the middle of DATA reaches the sending code exactly as a mail server's would."""

import socket
import threading
from contextlib import contextmanager

ACCEPT = "250 2.0.0 Ok: queued"


class LoopbackSMTPServer:
    """Answers each command as the attributes say at that moment; change them between sends.

    `rcpt` answers RCPT TO, `data_end` the final dot of DATA. `hang_up_mid_data` closes the
    connection after the first line of the message; `silent` accepts connections and never
    says a word (the client times out)."""

    def __init__(self):
        self.rcpt = "250 2.1.5 Ok"
        self.data_end = ACCEPT
        self.hang_up_mid_data = False
        self.silent = False
        self.received: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> "LoopbackSMTPServer":
        self._accepting.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(10)
        with client, client.makefile("rb") as lines:
            if self.silent:
                self._stopping.wait(10)
                return

            def say(reply: str) -> None:
                client.sendall(reply.encode() + b"\r\n")

            say("220 localhost ESMTP loopback test server")
            for raw in lines:
                command = raw.decode("ascii", "replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    say("250 localhost")
                elif command.startswith("MAIL FROM"):
                    say("250 2.1.0 Ok")
                elif command.startswith("RCPT TO"):
                    say(self.rcpt)
                elif command == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    if not self._read_message(lines):
                        return  # hung up in the middle
                    say(self.data_end)
                elif command == "QUIT":
                    say("221 2.0.0 Bye")
                    return
                else:  # RSET, NOOP
                    say("250 2.0.0 Ok")

    def _read_message(self, lines) -> bool:
        message = []
        for raw in lines:
            if self.hang_up_mid_data and message:
                return False
            if raw == b".\r\n":
                if self.data_end.startswith("2"):
                    self.received.append(b"".join(message))
                return True
            message.append(raw)
        return False


@contextmanager
def loopback_smtp_server():
    server = LoopbackSMTPServer().start()
    try:
        yield server
    finally:
        server.stop()


def closed_port() -> int:
    """A port on loopback that nothing listens on (connections are refused)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]
