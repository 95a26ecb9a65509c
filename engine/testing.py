"""Run the embedded engine as a separate process (`python -m engine`), as tests and benchmarks need it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EngineProcess:
    """`python -m engine` on free ports (kept across restarts) in its own data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def rest_address(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def db(self) -> Path:
        return self.data_dir / "engine" / "engine.db"

    def start(self, timeout: float = 60.0) -> None:
        """Start it and return once it listens (it prints the REST address last)."""
        env = {
            **os.environ,
            "IPA_DATA_DIR": str(self.data_dir),
            "IPA_ENGINE_GRPC_PORT": str(self.grpc_port),
            "IPA_ENGINE_HTTP_PORT": str(self.http_port),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "engine"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            if line.startswith("Camunda REST API"):
                return
        raise RuntimeError("the engine did not start:\n" + "".join(self.output))

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        return int(self.proc.returncode or 0)
