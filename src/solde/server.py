"""One server for the REST API and the web back office (`solde serve`).

Requests under /v1, /docs, /openapi.json and /health go to the API, whose errors are
problem+json; everything else goes to the back office, whose errors are pages. The two
applications share the container (one engine, one pool) and nothing else.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from solde.api.app import create_app as create_api
from solde.bootstrap import Config, Container
from solde.web.app import SecurityHeaders, create_web_app

API_PATHS = ("/v1", "/docs", "/openapi.json", "/health")


def is_api_path(path: str) -> bool:
    """True for the paths the REST API answers."""
    return any(path == p or path.startswith(p + "/") for p in API_PATHS)


class Server:
    """Sends each request to the API or to the back office by its path."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.api = create_api(container)
        self.web = create_web_app(container)
        self._pages = SecurityHeaders(self.web)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        target: ASGIApp = self.api if is_api_path(scope.get("path", "")) else self._pages
        await target(scope, receive, send)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Neither application has work to do at start-up or shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(container: Container) -> Server:
    """The API and the back office over `container`'s database."""
    return Server(container)


def from_env() -> Server:
    """The server over the database of `SOLDE_DATABASE_URL` (for `uvicorn --factory`)."""
    return create_app(Container(Config.from_env()))
