"""Camunda 8.8 REST API (`/v2`) over the embedded engine: `create_app(engine) -> FastAPI`."""

from engine.rest.app import create_app

__all__ = ["create_app"]
