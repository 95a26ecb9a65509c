#!/usr/bin/env python3
"""Dashboard benchmark: how fast the managers' dashboard answers with 10,000 cases in the store.

Everything runs as users run it: the embedded engine (`python -m engine`, its own process, the real
`bpmn/`, `dmn/` and `forms/` deployed), the casework store in SQLite, and the web side (`ipa web`, its own
process) on the engine's REST API. The store gets `--cases` realistic requests (`ipa simulate`'s generator),
spread over the stages; every case in flight has a live process instance waiting where its stage says (started
with start instructions, backdated with the engine clock so that some waits are past their targets).

    .venv/bin/python bench/dashboard.py [--cases 10000] [--runs 30] [--json out.json] [--data-dir DIR]

Figures: response time (median, p95, max) of what a manager's browser asks for: the dashboard page, the
polled summary, the diagram with its per-element badges, a filtered dashboard, the CSV export.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# run as a script, this file's folder comes first on sys.path, where bench/engine.py would shadow the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
import httpx  # noqa: E402

from engine.testing import EngineProcess, free_port  # noqa: E402

PASSWORD = "bench-dashboard"
PROCESS_ID = "international-assistance-request"
#: where a case in each stage waits (an approval in flight), with the share of cases in that stage
WAITS: list[tuple[str, str, float]] = [
    ("INTAKE", "ScopeCapabilityReview", 0.12),
    ("COSTING", "ConfirmFunding", 0.10),
    ("OSJA", "OsjaAssessment", 0.16),
    ("JIPH", "JiphDecision", 0.14),
    ("AUTHORISATION", "HodApproval", 0.10),
    ("AUTHORISATION", "SeniorOfficialApproval", 0.05),
    ("AUTHORISATION", "MinisterialDecisionTask", 0.04),
    ("S26", "PccDecision", 0.04),
    ("S26", "HomeOfficeConsent", 0.04),
    ("PREPARATION", "AgreeContract", 0.06),
]
CLOSED_SHARE = 0.15


def seed_store(url: str, n: int, seed: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """`n` cases through the store's own API; returns (request id, stage, wait element, variables) of those
    in flight."""
    from ipa import simulate
    from ipa.models import AssistanceRequest
    from ipa.store import Store, close_case, open_case, set_stage
    from ipa.vocab import FinalStatus, Stage

    store = Store(url)
    store.migrate()
    draw = simulate.Draw(seed)
    rng = random.Random(seed)
    live: list[tuple[str, str, str, dict[str, Any]]] = []
    batch = 500
    numbers: dict[int, int] = {}
    for first in range(1, n + 1, batch):
        with store.transaction() as s:
            for i in range(first, min(first + batch, n + 1)):
                arrival = rng.randint(0, 730)  # two years of requests: ids are numbered per year, 4 digits
                year = simulate._day(arrival).year
                numbers[year] = numbers.get(year, 0) + 1
                plan = simulate.draw_request(draw, numbers[year], arrival)
                request = AssistanceRequest.model_validate(
                    {k: v for k, v in plan.variables.items() if k != "sanctionsOrEmbargo"}
                )
                case = open_case(s, request, actor="bench")
                if rng.random() < CLOSED_SHARE:
                    close_case(s, case.request_id, FinalStatus.COMPLETED, actor="bench", op_key=f"{i}:closed")
                    continue
                stage, element, _ = rng.choices(WAITS, [w[2] for w in WAITS])[0]
                if stage != "INTAKE":
                    set_stage(s, case.request_id, Stage(stage), actor="bench", op_key=f"{i}:stage")
                live.append((case.request_id, stage, element, plan.variables))
    store.dispose()
    return live


async def seed_engine(
    rest: str, live: list[tuple[str, str, str, dict[str, Any]]], seed: int
) -> dict[str, int]:
    """A waiting instance per live case, started at its wait; started 0-40 days ago by the engine clock."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    ages = sorted(((rng.randint(0, 40), item) for item in live), key=lambda a: -a[0])
    keys: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=rest + "/v2", timeout=60) as http:
        gate = asyncio.Semaphore(16)

        async def start(request_id: str, element: str, variables: dict[str, Any]) -> None:
            async with gate:
                r = await http.post(
                    "/process-instances",
                    json={
                        "processDefinitionId": PROCESS_ID,
                        "variables": variables,
                        "startInstructions": [{"elementId": element}],
                    },
                )
                r.raise_for_status()
                keys[request_id] = int(r.json()["processInstanceKey"])

        for days in sorted({a for a, _ in ages}, reverse=True):
            moment = now - timedelta(days=days)
            (await http.put("/clock", json={"timestamp": int(moment.timestamp() * 1000)})).raise_for_status()
            await asyncio.gather(*(start(rid, el, v) for a, (rid, _, el, v) in ages if a == days))
        (await http.post("/clock/reset")).raise_for_status()
    return keys


def link(url: str, keys: dict[str, int]) -> None:
    from ipa.store import Store, link_process_instance

    store = Store(url)
    with store.transaction() as s:
        for request_id, key in keys.items():
            link_process_instance(s, request_id, key, actor="bench")
    store.dispose()


def percentile(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def a_case_in_flight(url: str) -> str:
    from sqlalchemy import select

    from ipa.store import Case, Store

    store = Store(url)
    with store.reader() as s:
        found = s.scalar(
            select(Case.request_id).where(Case.process_instance_key.is_not(None)).order_by(Case.id).limit(1)
        )
    store.dispose()
    assert found, "no case in flight"
    return found


def time_requests(web: str, runs: int, case: str) -> dict[str, dict[str, float]]:
    targets = {
        "dashboard page": "/dashboard",
        "dashboard, filtered": "/dashboard?country=IQ&value_min=10000&stage=JIPH",
        "summary (polled)": "/api/dashboard/summary",
        "diagram + badges": "/api/process/diagram",
        "CSV export (all in flight)": "/dashboard.csv",
        "a case page": f"/cases/{case}",
    }
    out: dict[str, dict[str, float]] = {}
    for user, label_path in (("manager", targets), ("caseworker", {"the caseworker's inbox": "/inbox"})):
        out.update(_time_as(web, user, label_path, runs))
    return out


def _time_as(web: str, user: str, targets: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=web, timeout=120) as http:
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
        form = {"username": user, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
        r = http.post("/login", data=form, follow_redirects=False)
        if r.status_code != 303:
            raise SystemExit(f"sign-in failed: {r.status_code} {r.text[:200]}")
        for label, path in targets.items():
            http.get(path).raise_for_status()  # warm-up
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                response = http.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
            out[label] = {
                "median_ms": statistics.median(times),
                "p95_ms": percentile(times, 0.95),
                "max_ms": max(times),
                "bytes": len(response.content),
            }
    return out


def screenshot(web: str, path: Path) -> None:
    """The dashboard as the manager sees it, once its diagram has drawn (Debian's Chromium, as the browser tests)."""
    from playwright.sync_api import sync_playwright

    with httpx.Client(base_url=web, timeout=60) as http:
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
        form = {"username": "manager", "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
        http.post("/login", data=form)
        cookie = http.cookies.get("ipa_session")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.context.add_cookies([{"name": "ipa_session", "value": cookie or "", "url": web}])
        page.goto(web + "/dashboard")
        page.locator('#diagram[data-drawn="true"]').wait_for(timeout=60_000)
        page.locator("#diagram").scroll_into_view_if_needed()
        page.screenshot(path=str(path))
        browser.close()


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f}s")


def _lines(results: dict[str, dict[str, float]]) -> Iterator[str]:
    yield f"{'request':<30} {'median':>8} {'p95':>8} {'max':>8} {'size':>9}"
    for label, r in results.items():
        yield (
            f"{label:<30} {r['median_ms']:>6.0f}ms {r['p95_ms']:>6.0f}ms {r['max_ms']:>6.0f}ms "
            f"{r['bytes'] / 1024:>7.0f}KB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the dashboard with its diagram drawn")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the seeded engine and store here; a second run reuses them"
    )
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        if args.data_dir is None:
            data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ipa-dash-bench-")))
        else:
            data = args.data_dir
            data.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data / 'casework.db'}"
        seeded = (data / "casework.db").exists()
        engine = EngineProcess(data / "engine")
        engine.start()
        web_proc: subprocess.Popen[bytes] | None = None
        try:
            if not seeded:
                from ipa.runner import deploy

                asyncio.run(deploy(engine.address))
                t0 = time.perf_counter()
                live = seed_store(url, args.cases, args.seed)
                t1 = time.perf_counter()
                keys = asyncio.run(seed_engine(engine.rest_address, live, args.seed))
                link(url, keys)
                t2 = time.perf_counter()
                print(
                    f"seeded {args.cases} cases ({len(live)} in flight) in {t1 - t0:.0f}s; "
                    f"{len(keys)} waiting instances in {t2 - t1:.0f}s",
                    flush=True,
                )
            port = free_port()
            env = {
                **os.environ,
                "CAMUNDA_REST_ADDRESS": engine.rest_address,
                "IPA_DATABASE_URL": url,
                "IPA_WEB_DEMO_PASSWORD": PASSWORD,
                "IPA_WEB_PORT": str(port),
            }
            web_proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "ipa"), "web"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            web = f"http://127.0.0.1:{port}"
            wait_http(web + "/login")
            results = time_requests(web, args.runs, a_case_in_flight(url))
            if args.screenshot:
                screenshot(web, args.screenshot)
        finally:
            if web_proc is not None:
                web_proc.terminate()
                web_proc.wait(30)
            engine.stop()
    for line in _lines(results):
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"cases": args.cases, "results": results}, indent=2))


if __name__ == "__main__":
    main()
