"""The engine on PostgreSQL (IPA_ENGINE_DATABASE_URL): same behaviour, same recovery, as on SQLite.

A throw-away PostgreSQL cluster is created for the test (Debian's postgresql package; `.ci/run` installs it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.runtime.engine import Engine
from engine.store import schema
from engine.store.store import Store
from engine.testing import free_port

ONE_TASK = (Path(__file__).parent / "diagrams" / "crash_one_task.bpmn").read_bytes()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg")
    bin_dir = _pg_bin()
    if bin_dir is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian package 'postgresql')")
    # not under pytest's tmp folder: that one is private to root, and the server runs as 'postgres'
    base = Path(tempfile.mkdtemp(prefix="ipa-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    # PostgreSQL refuses to run as root: the cluster belongs to the 'postgres' system user
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "log"),
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


async def test_instances_run_and_recover_on_postgresql(postgres_url: str) -> None:
    engine = Engine(Store(postgres_url))
    await engine.start()
    await engine.deploy([("one.bpmn", ONE_TASK)])
    first = await engine.create_process_instance(bpmn_process_id="crash-one-task", variables={"n": 1})
    second = await engine.create_process_instance(bpmn_process_id="crash-one-task", variables={"n": 2})
    [job] = await engine.activate_jobs("crash-work", "w", 60_000, 1, request_timeout_ms=-1)
    await engine.complete_job(job["key"], {"result": 2})
    await engine.stop()

    again = Engine(Store(postgres_url))
    await again.start()
    try:
        # the completed instance stays completed, the other one is recovered and still waits at its job
        assert first["processInstanceKey"] not in again.state.element_instances
        assert second["processInstanceKey"] in again.state.element_instances
        [job] = await again.activate_jobs("crash-work", "w", 60_000, 5, request_timeout_ms=-1)
        assert job["variables"] == {"n": 2}
        await again.complete_job(job["key"], {})
        rows = again.store.rows(schema.process_instances)
        assert {r["state"] for r in rows} == {"COMPLETED"}
        redeployed = await again.deploy([("one.bpmn", ONE_TASK)])
        assert redeployed.resources[0].data["version"] == 1  # a duplicate, as before the restart
    finally:
        await again.stop()
