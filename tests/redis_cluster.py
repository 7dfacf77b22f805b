"""Starts a real Redis master, a replica and a Sentinel on free loopback ports, for tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

MASTER_NAME = "authgw-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (bin/install-system-deps.sh installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError  # unreachable: skip raises


def _wait(predicate: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class SentinelCluster:
    directory: Path
    master_port: int = field(default_factory=_free_port)
    replica_port: int = field(default_factory=_free_port)
    sentinel_port: int = field(default_factory=_free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def _server(self, port: int, *extra: str) -> None:
        command = [require_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory), *extra]
        self.processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))

    def start(self) -> SentinelCluster:
        sentinel_binary = require_binary("redis-sentinel")
        self._server(self.master_port)
        self._server(self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        config = self.directory / "sentinel.conf"
        config.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {self.directory}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 4000\n"
        )
        self.processes.append(
            subprocess.Popen([sentinel_binary, str(config)], stdout=subprocess.DEVNULL)
        )
        _wait(self._replica_in_sync, 20, "the replica to sync")
        _wait(lambda: self.sentinel().sentinel_slaves(MASTER_NAME), 20, "the replica in sentinel")
        return self

    def _replica_in_sync(self) -> bool:
        info = redis.Redis(port=self.replica_port).info("replication")
        return info.get("master_link_status") == "up"

    def sentinel(self) -> redis.Redis:
        return redis.Redis(port=self.sentinel_port, socket_timeout=1)

    def master_port_now(self) -> int:
        _host, port = self.sentinel().sentinel_get_master_addr_by_name(MASTER_NAME)
        return int(port)

    def failover(self) -> None:
        before = self.master_port_now()
        # Sentinel answers NOGOODSLAVE until it has fresh INFO from the replica: ask again.
        _wait(self._ask_failover, 20, "sentinel to accept the failover")
        _wait(lambda: self.master_port_now() != before, 20, "the failover")
        new_master = redis.Redis(port=self.master_port_now())
        _wait(lambda: new_master.info("replication")["role"] == "master", 20, "the new master")

    def _ask_failover(self) -> bool:
        self.sentinel().execute_command("SENTINEL", "FAILOVER", MASTER_NAME)
        return True

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=10)


@dataclass
class RedisServer:
    """One redis-server on a free loopback port that a test may stop, restart or slow down.

    Started with the DEBUG command enabled (`DEBUG SLEEP` makes it hang) and an RDB file in its
    directory, so a `stop()` followed by `start()` brings the same data back.
    """

    directory: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, timeout: float = 10.0) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=timeout, socket_connect_timeout=timeout)

    def answers_within(self, seconds: float) -> bool:
        """A PING on a new connection is answered within `seconds` (no retries: redis-py's
        default would retry until the answer came). False while inside DEBUG SLEEP."""
        client = redis.Redis(
            port=self.port,
            socket_timeout=seconds,
            socket_connect_timeout=seconds,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            return bool(client.ping())
        except redis.TimeoutError:
            return False
        finally:
            client.close()

    def start(self) -> RedisServer:
        command = [require_binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        command += ["--dbfilename", "dump.rdb", "--enable-debug-command", "yes"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait(lambda: self.client(timeout=1).ping(), 20, f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        """Saves the data set (restored by the next start) and stops the server."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(redis.ConnectionError):  # SHUTDOWN closes its connection
            self.client().shutdown(save=True)
        self.process.wait(timeout=20)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
