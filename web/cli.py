"""`ipa web`: serve the web application (the lead wires `serve` into `ipa/cli.py` and `ipa up`)."""

from __future__ import annotations

import uvicorn

from web.app import create_app
from web.auth import demo_listing
from web.config import WebSettings


def serve(host: str = "127.0.0.1", port: int = 8000, settings: WebSettings | None = None) -> None:
    """Run until Ctrl-C. With IPA_WEB_DEMO_ACCOUNTS (or IPA_WEB_DEMO_PASSWORD) it seeds the demo accounts and prints
    them first (their password is random unless IPA_WEB_DEMO_PASSWORD)."""
    settings = settings or WebSettings()
    app = create_app(settings)
    print(
        f"web                   http://{host}:{port}/  (engine REST {settings.camunda_rest_address}/v2)",
        flush=True,
    )
    for line in demo_listing(app.state.demo_seeded, app.state.demo_password) if app.state.demo_seeded else ():
        print(line, flush=True)
    if not settings.oidc_enabled and not app.state.accounts.listing():
        print("accounts              none yet: add one with `ipa users add NAME --role ROLE`", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
