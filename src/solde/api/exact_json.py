"""Request bodies parsed exactly: JSON numbers become `Decimal` from their text, never floats.

SPEC §2: a JSON number is accepted only if it parses exactly as a decimal. Python's `json`
would turn `0.1` into a binary float; this route class parses with `parse_float=Decimal`
and refuses `NaN` and `Infinity`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def loads_exact(body: bytes) -> Any:
    """Parse JSON with exact decimals."""
    return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)


class ExactJSONRequest(Request):
    """A request whose `json()` keeps decimals exact."""

    async def json(self) -> Any:
        """The parsed body."""
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json


class ExactJSONRoute(APIRoute):
    """Route class that hands endpoints an `ExactJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the default handler so that it parses bodies exactly."""
        handler = super().get_route_handler()

        async def exact_handler(request: Request) -> Response:
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return exact_handler
