"""`ipa engine`: says where it listens, stops cleanly on SIGTERM and keeps its state across restarts."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from engine.testing import free_port

DIAGRAM = Path(__file__).parent / "diagrams" / "crash_one_task.bpmn"


def _start(data_dir: Path, grpc_port: int, http_port: int) -> tuple[subprocess.Popen[str], list[str]]:
    ipa = Path(sys.executable).with_name("ipa")
    proc = subprocess.Popen(
        [str(ipa), "engine", "--grpc-port", str(grpc_port), "--http-port", str(http_port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Camunda REST API"):
            break
    return proc, lines


async def test_engine_command_lifecycle(tmp_path: Path) -> None:
    from pyzeebe import ZeebeClient, create_insecure_channel

    grpc_port, http_port = free_port(), free_port()
    proc, lines = _start(tmp_path, grpc_port, http_port)
    text = "".join(lines)
    assert f"127.0.0.1:{grpc_port}" in text and f"http://127.0.0.1:{http_port}/v2" in text
    assert str(tmp_path) in text
    client = ZeebeClient(create_insecure_channel(grpc_address=f"127.0.0.1:{grpc_port}"))
    first = await client.deploy_resource(str(DIAGRAM))
    instance = await client.run_process("crash-one-task", {"n": 1})

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0

    proc, lines = _start(tmp_path, grpc_port, http_port)
    try:
        assert any("2 live element instances, 1 jobs" in line for line in lines), lines
        again = await client.deploy_resource(str(DIAGRAM))
        # the same resource deployed again is a duplicate: same key and version as before the restart
        assert again.deployments[0].process_definition_key == first.deployments[0].process_definition_key
        second = await client.run_process("crash-one-task", {"n": 2})
        assert second.process_instance_key > instance.process_instance_key
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
