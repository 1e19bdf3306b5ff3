"""A real Mosquitto broker as a child process on a free loopback port.

Tests and the demo start their own broker so they can kill and restart it.
Persistence is on with a one-second autosave so a clean restart keeps queued
sessions; a ``kill()`` (SIGKILL) loses what was not saved, as in the field.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from gateway.broker_acl import password_line

from .certs import TlsFiles
from .ports import free_port, wait_listening


class MosquittoNotFound(FileNotFoundError):
    pass


def mosquitto_binary() -> str:
    for candidate in ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        found = shutil.which(candidate)
        if found:
            return found
    raise MosquittoNotFound("mosquitto is not installed: apt-get install -y mosquitto")


class Mosquitto:
    """One broker. ``start``/``stop``/``kill``/``restart`` keep the same port and data dir."""

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        max_queued: int = 100_000,
        tls: TlsFiles | None = None,
        users: dict[str, str] | None = None,
        include_dir: Path | None = None,
    ) -> None:
        """``tls`` serves MQTT over TLS; ``users`` (name -> password) turns anonymous access off.

        ``include_dir`` holds a provisioned listener (``hlidka-gateway provision``): its
        ``*.conf`` files replace the listener and access lines written here.
        """
        self.workdir = Path(workdir)
        self.tls = tls
        self.users = users
        self.include_dir = include_dir
        self.port = port or free_port()
        self.max_queued = max_queued
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / "mosquitto.conf"
        self.log = self.workdir / "mosquitto.log"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _write_conf(self) -> None:
        access = ["allow_anonymous true"]
        if self.users is not None:
            passwords = self.workdir / "passwords"
            passwords.write_text("".join(password_line(u, p) + "\n" for u, p in self.users.items()))
            access = ["allow_anonymous false", f"password_file {passwords}"]
        if self.tls is not None:
            access += [f"cafile {self.tls.ca}", f"certfile {self.tls.cert}", f"keyfile {self.tls.key}"]
        listener = [f"listener {self.port} 127.0.0.1", *access]
        if self.include_dir is not None:
            listener = [f"include_dir {self.include_dir}"]
        if os.geteuid() == 0:
            # Started as root, Mosquitto drops to the 'mosquitto' user, which cannot read the
            # test's private work directory: no log, no persistence, no TLS key. This broker
            # is a loopback-only child of the test, so it keeps the test's user.
            listener.append("user root")
        self.conf.write_text(
            "\n".join(
                [
                    *listener,
                    "persistence true",
                    f"persistence_location {self.workdir}/",
                    "autosave_interval 1",
                    # The default of 1000 silently drops alarms for an offline consumer.
                    f"max_queued_messages {self.max_queued}",
                    "max_inflight_messages 100",
                    # Without it Nagle + delayed ACK add ~40 ms whenever the broker sends
                    # a PUBACK and a PUBLISH back to back (measured on loopback).
                    "set_tcp_nodelay true",
                    f"log_dest file {self.log}",
                    "log_type error",
                    "log_type warning",
                    "",
                ]
            )
        )

    def start(self, timeout: float = 10.0) -> Mosquitto:
        if self.proc is not None and self.proc.poll() is None:
            return self
        self._write_conf()
        self.proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_listening(self.port, timeout)
        except TimeoutError:
            self.kill()
            raise
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> Mosquitto:
        self.stop()
        return self.start()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
