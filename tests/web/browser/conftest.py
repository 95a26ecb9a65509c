"""Browser tests: Debian's Chromium driven by Playwright against the web app and the embedded engine.

One stack per test module, all on free localhost ports in this process: the embedded engine (REST + gRPC) and the
web app under uvicorn, on one event loop in a background thread. The models are a copy of the repository's
`bpmn/`, `dmn/` and `forms/`, so saving from the Modeler never touches the work tree.

Chromium is Debian's (`apt-get install chromium`, /usr/bin/chromium): `playwright install` cannot download
browsers here. Without it (or without the `playwright` package) every test here is skipped, saying why.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.testing import free_port

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OWNER, MANAGER = "owner", "manager"


@dataclass
class Stack:
    engine_rest: str  # http://127.0.0.1:port (no /v2)
    web: str
    models: Path
    secret: str
    app: Any
    csrf: dict[str, str] = field(default_factory=dict)

    def rest(self) -> httpx.Client:
        return httpx.Client(base_url=self.engine_rest + "/v2", timeout=15)

    def session_cookie(self, username: str) -> dict[str, Any]:
        """Starlette's signed session cookie for a signed-in user (what POST /login sets)."""
        import itsdangerous

        csrf = self.csrf.setdefault(username, secrets.token_urlsafe(32))
        data = base64.b64encode(json.dumps({"user": username, "csrf": csrf}).encode())
        value = itsdangerous.TimestampSigner(self.secret).sign(data).decode()
        return {"name": "ipa_session", "value": value, "url": self.web}


def _minimal_app(settings: Any) -> Any:
    """Sessions, the REST client, the templates, /static and the modeler: while `web.app` does not import."""
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles
    from fastapi.templating import Jinja2Templates
    from starlette.middleware.sessions import SessionMiddleware

    from web.auth import Accounts, seed_demo
    from web.camunda import Camunda

    app = FastAPI()
    app.state.settings = settings
    app.state.camunda = Camunda(settings)
    app.state.templates = Jinja2Templates(directory=ROOT / "web" / "templates")
    app.state.accounts = Accounts.create(fast=True)
    seed_demo(app.state.accounts, settings.demo_password)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="ipa_session")
    app.mount("/static", StaticFiles(directory=ROOT / "web" / "static"), name="static")
    return app


def _make_app(settings: Any) -> Any:
    """The team's `web.app.create_app`, with the modeler router added if the app does not include it yet."""
    from web.routers import modeler

    try:
        from web.app import create_app
    except ImportError:
        app = _minimal_app(settings)
    else:
        app = create_app(settings)
    if not any(getattr(r, "path", None) == "/modeler" for r in app.routes):
        app.include_router(modeler.router)
    return app


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        from web.config import WebSettings
    except ImportError as e:  # pragma: no cover - the web app is part of the repository
        pytest.skip(f"the web app does not import: {e}")
    import uvicorn

    from engine.config import EngineSettings
    from engine.server import running_engine

    base = tmp_path_factory.mktemp("browser-stack")
    models = base / "models"
    for folder in ("bpmn", "dmn", "forms"):
        shutil.copytree(ROOT / folder, models / folder)
    secret = secrets.token_urlsafe(32)
    web_port = free_port()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        engine_settings = EngineSettings(
            IPA_ENGINE_HOST="127.0.0.1",
            IPA_ENGINE_GRPC_PORT=0,
            IPA_ENGINE_HTTP_PORT=0,
            IPA_DATA_DIR=base / "data",
        )
        async with running_engine(engine_settings) as running:
            settings = WebSettings(
                camunda_rest_address=running.rest_address,
                database_url=f"sqlite:///{base / 'casework.db'}",
                secret_key=secret,
                demo_password=secrets.token_urlsafe(12),
                fast_password_hashing=True,
                poll_seconds=2,
            )
            app = _make_app(settings)
            app.state.models_dir = models
            app.state.accounts.add(OWNER, "Olive Owner", ("process-owner",), secrets.token_urlsafe(12))
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=web_port, log_level="warning"))
            server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
            task = asyncio.get_running_loop().create_task(server.serve())
            while not server.started and not task.done():
                await asyncio.sleep(0.05)
            box.update(rest=running.rest_address, app=app, stop=asyncio.Event())
            ready.set()
            await box["stop"].wait()
            server.should_exit = True
            await task

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as e:  # shown by the fixture if start-up fails
            box["error"] = e
            ready.set()

    thread = threading.Thread(target=run, name="browser-stack", daemon=True)
    thread.start()
    if not ready.wait(60) or "error" in box:
        raise RuntimeError(f"the engine and web app did not start: {box.get('error')!r}")
    loop_stop: asyncio.Event = box["stop"]
    try:
        yield Stack(box["rest"], f"http://127.0.0.1:{web_port}", models, secret, box["app"])
    finally:
        loop = getattr(loop_stop, "_loop", None)
        if loop is not None:
            loop.call_soon_threadsafe(loop_stop.set)
        thread.join(30)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Debian Chromium with a fresh user-data dir; skipped where it or Playwright is missing.

    Module-scoped, not session-scoped: Playwright's sync API keeps an event loop running in this thread while it is
    open, and pytest-asyncio cannot run the async tests of later modules under it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): no /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package 'playwright' is not installed (pip install playwright)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page_as(browser_context: Any, stack: Stack) -> Iterator[Any]:
    """page_as(username): a new tab signed in as that user; console errors and off-site requests recorded."""
    pages: list[Any] = []

    def open_as(username: str) -> Any:
        browser_context.clear_cookies()
        browser_context.add_cookies([stack.session_cookie(username)])
        page = browser_context.new_page()
        page.errors = []  # uncaught exceptions and CSP violations
        page.offsite = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on(
            "console",
            lambda m: (
                page.errors.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        page.on(
            "request",
            lambda r: None if r.url.startswith(("http://127.0.0.1", "data:")) else page.offsite.append(r.url),
        )
        pages.append(page)
        return page

    yield open_as
    for page in pages:
        page.close()


def screenshot(page: Any, name: str) -> None:
    """Refresh the README's screenshots when asked (`IPA_SCREENSHOTS=1`); otherwise still render one, so a
    page that cannot be drawn fails the test, but leave the committed pictures alone."""
    if os.environ.get("IPA_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    else:
        assert page.screenshot(), f"no screenshot of {name}"
