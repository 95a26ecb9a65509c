"""`ipa up` (what `make run` does): engine, workers, models and web come up, and SIGTERM stops them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from engine.testing import free_port


def test_up_starts_the_whole_system_and_stops_on_sigterm(tmp_path: Path) -> None:
    grpc, rest, web = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "IPA_DATA_DIR": str(tmp_path),
        "IPA_ENGINE_GRPC_PORT": str(grpc),
        "IPA_ENGINE_HTTP_PORT": str(rest),
        "IPA_WEB_PORT": str(web),
        "IPA_WORKER_HEALTH_PORT": str(free_port()),
    }
    env.pop("ZEEBE_ADDRESS", None)
    ipa = Path(sys.executable).with_name("ipa")
    proc = subprocess.Popen([str(ipa), "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("(Ctrl-C to stop)"):
                break
        output = "".join(lines)
        assert "process  international-assistance-request" in output, output
        assert "decision osja_approval_level" in output and "demo accounts" in output
        deadline = time.monotonic() + 20
        while True:  # the web server starts in the background of the same loop
            try:
                assert httpx.get(f"http://127.0.0.1:{web}/transparency").status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the web side never answered"
                time.sleep(0.2)
        topology = httpx.get(f"http://127.0.0.1:{rest}/v2/topology").json()
        assert topology["brokers"][0]["partitions"][0]["role"] == "leader"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0, "".join(lines)
