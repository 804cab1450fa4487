"""`Idempotency-Key` on POST requests (SPEC §15), as ASGI middleware.

The same key with the same body returns the first response (with `Idempotent-Replayed: true`);
the same key with another body answers 409. Keys belong to the API key that sent them: the
key is authenticated first, so a request without a live API key is never replayed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from solde.api.problems import MEDIA_TYPE, PROBLEM_TYPE
from solde.storage.api_keys import ApiKey, ApiKeyStore
from solde.storage.idempotency import Claim, IdempotencyStore

HEADER = "idempotency-key"
MAX_KEY = 255


def _problem(status: int, code: str, title: str, detail: str) -> tuple[int, bytes]:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return status, json.dumps(body).encode()


class IdempotencyMiddleware:
    """Replays successful POST responses for a repeated `Idempotency-Key`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        authorization = headers.get("authorization")
        if key is None or not authorization:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY or not key.isprintable():
            await _send(
                send,
                *_problem(
                    400,
                    "invalid_idempotency_key",
                    "Bad request",
                    f"Idempotency-Key must be 1 to {MAX_KEY} printable characters",
                ),
            )
            return
        container = scope["app"].state.container
        api_key = await run_in_threadpool(_api_key_of, container.api_keys, authorization)
        if api_key is None:
            # No live key: the application answers 401; nothing is claimed or replayed.
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        owner = f"api-key:{api_key.id}"
        digest = hashlib.sha256()
        for part in (
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
        ):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(body)
        store: IdempotencyStore = container.idempotency
        outcome = await run_in_threadpool(store.claim, owner, key, digest.hexdigest())
        if outcome.claim is Claim.REPLAY:
            await _send(
                send,
                outcome.status_code or 200,
                outcome.body or b"",
                outcome.content_type or "application/json",
                replayed=True,
            )
            return
        if outcome.claim is Claim.MISMATCH:
            await _send(
                send,
                *_problem(
                    409,
                    "idempotency_key_reused",
                    "Conflict",
                    "this Idempotency-Key was used with another request",
                ),
            )
            return
        if outcome.claim is Claim.IN_PROGRESS:
            await _send(
                send,
                *_problem(
                    409,
                    "idempotency_key_in_use",
                    "Conflict",
                    "a request with this Idempotency-Key is still running",
                ),
            )
            return
        await self._run(scope, body, send, store, owner, key)

    async def _run(
        self, scope: Scope, body: bytes, send: Send, store: IdempotencyStore, owner: str, key: str
    ) -> None:
        status = 500
        content_type = "application/json"
        chunks: list[bytes] = []
        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get(
                    "content-type", content_type
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            await run_in_threadpool(store.release, owner, key)
            raise
        if 200 <= status < 300:
            await run_in_threadpool(
                store.complete, owner, key, status, b"".join(chunks), content_type
            )
        else:
            await run_in_threadpool(store.release, owner, key)


def _api_key_of(keys: ApiKeyStore, authorization: str) -> ApiKey | None:
    """The live API key of an `Authorization: Bearer ...` header, if any."""
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return keys.authenticate(secret.strip())


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(parts)
        elif message["type"] == "http.disconnect":
            return b"".join(parts)


async def _send(
    send: Send, status: int, body: bytes, content_type: str = MEDIA_TYPE, replayed: bool = False
) -> None:
    headers: list[Any] = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
