"""Several gateway workers on one PostgreSQL schema and one broker: start them, see who holds what,
kill the leader, and read the stream across a failover."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg

from hil_sim.ports import free_port
from hlidka_contract import Role
from tests.e2e.gateway_rig import AGENT, GatewayProcess, TestAgent, wait_for, write_site

PG_URL = os.environ.get("HLIDKA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


class Schema:
    """A PostgreSQL schema of the test's own, dropped afterwards."""

    def __init__(self) -> None:
        self.name = f"ha_{uuid.uuid4().hex[:12]}"
        self.url = f"{PG_URL}?schema={self.name}"

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{self.name}"')
            return list(conn.execute(sql).fetchall())

    def leases(self) -> dict[str, str | None]:
        """Lease name -> the worker holding it (None when free or expired)."""
        rows = self.query("SELECT name, holder FROM leases WHERE expires_at > EXTRACT(EPOCH FROM clock_timestamp())")
        return {str(n): worker_of(h) for n, h in rows}

    def drop(self) -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def worker_of(holder: object) -> str | None:
    """Holders are ``<client id>-<worker>-<per-process hex>``."""
    return None if holder is None else str(holder).rsplit("-", 2)[1]


class Workers:
    """``n`` gateway processes started with ``--worker 1..n``, each with its own API port and config."""

    def __init__(
        self,
        tmp: Path,
        n: int,
        broker_port: int,
        schema: Schema,
        webhook_url: str | None = None,
        police_port: int | None = None,
    ) -> None:
        self.procs: dict[str, GatewayProcess] = {}
        self.tokens: dict[Role, str] = {}
        first: Path | None = None
        for i in range(1, n + 1):
            folder = tmp / f"worker{i}"
            folder.mkdir()
            api_port = free_port()
            config, tokens = write_site(folder, broker_port, api_port, webhook_url, police_port, db=schema.url)
            if first is None:
                first, self.tokens = folder, tokens
            else:  # one tokens file for all: the same token works at any worker
                shutil.copy(first / "tokens", folder / "tokens")
            self.procs[str(i)] = GatewayProcess(config, api_port, worker=str(i))

    def start(self) -> Workers:
        for proc in self.procs.values():
            proc.start(timeout=30)
        return self

    def alive(self) -> list[GatewayProcess]:
        return [p for p in self.procs.values() if p.proc is not None and p.proc.poll() is None]

    def kill_all(self) -> None:
        for proc in self.procs.values():
            proc.kill()

    def get(self, proc: GatewayProcess, path: str, **params: object) -> object:
        headers = {"Authorization": f"Bearer {self.tokens[Role.VIEWER]}"}
        response = httpx.get(f"{proc.url}{path}", params=params, headers=headers, timeout=10)  # type: ignore[arg-type]
        response.raise_for_status()
        return response.json()

    def pulled(self, proc: GatewayProcess) -> list[tuple[int, str, str]]:
        """(cursor, kind, id) of everything the store holds, through one worker's pull API."""
        out: list[tuple[int, str, str]] = []
        after = 0
        while True:
            page = self.get(proc, "/api/v1/events", after=after, limit=1000)
            assert isinstance(page, dict)
            out += [(i["cursor"], i["kind"], i["event"]["id"]) for i in page["items"]]
            after = page["next_after"]
            if not page["more"]:
                return out


class Heartbeats:
    """A second agent that is born and beats every second until ``silence()`` (its link dies quietly)."""

    def __init__(self, broker_port: int, agent: str = "agent-2") -> None:
        self.agent = TestAgent(broker_port, agent=agent)
        self.agent.birth()
        self.last_beat = time.time()
        self._quiet = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeats", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._quiet.is_set():
            self.agent.heartbeat()
            self.last_beat = time.time()
            self._quiet.wait(1.0)

    def silence(self) -> float:
        """Stop beating; returns the time of the last heartbeat."""
        self._quiet.set()
        self._thread.join(5)
        self.agent.close()
        return self.last_beat


class StreamReader:
    """An SSE client that reconnects to the next live worker with ``Last-Event-ID`` when its worker dies."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.ids: list[int] = []
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sse", daemon=True)

    def start(self) -> StreamReader:
        self._thread.start()
        return self

    def _frames(self, proc: GatewayProcess) -> Iterator[int]:
        headers = {"Authorization": f"Bearer {self.workers.tokens[Role.VIEWER]}"}
        headers["Last-Event-ID"] = str(self.ids[-1] if self.ids else 0)
        timeout = httpx.Timeout(5.0, read=20.0)
        with httpx.stream("GET", f"{proc.url}/api/v1/stream", headers=headers, timeout=timeout) as response:
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("id: "):
                    yield int(line[4:])

    def _run(self) -> None:
        while not self._stop.is_set():
            alive = self.workers.alive()
            if not alive:
                time.sleep(0.1)
                continue
            try:
                for cursor in self._frames(alive[0]):
                    self.ids.append(cursor)
            except httpx.HTTPError:
                time.sleep(0.1)  # its worker died: go on at the next one, from the last id seen
            self.reconnects += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(25)


def wait_leases_held(schema: Schema, names: list[str], timeout: float = 15.0) -> dict[str, str | None]:
    wait_for(lambda: all(schema.leases().get(n) for n in names), timeout, f"leases {names} held")
    return schema.leases()


__all__ = ["AGENT", "Heartbeats", "Schema", "StreamReader", "Workers", "wait_leases_held"]
