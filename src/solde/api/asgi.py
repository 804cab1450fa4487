"""ASGI entry point for servers: `uvicorn solde.api.asgi:from_env --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from solde.api.app import create_app
from solde.bootstrap import Config, Container


def from_env() -> FastAPI:
    """The API over the database of `SOLDE_DATABASE_URL`."""
    return create_app(Container(Config.from_env()))
