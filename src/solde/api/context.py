"""What every route receives: the caller (its API key) and access to units of work.

Authentication is by API key (`Authorization: Bearer sk_...`); each key has a role. Readers
need any role, writers `billing` or `admin`, settings `admin`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from solde.bootstrap import Container, today
from solde.domain.errors import InvalidInput, NotFound
from solde.domain.values import MAX_ID, is_possible_id
from solde.storage.api_keys import ApiKey
from solde.storage.unit_of_work import SqlUnitOfWork

bearer = HTTPBearer(auto_error=False, description="An API key created with `solde api-key create`.")


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    key: ApiKey
    container: Container

    @property
    def actor(self) -> str:
        """How the audit log names the caller."""
        return f"api:{self.key.name}#{self.key.id}"

    @contextmanager
    def uow(self, *, write: bool = True) -> Iterator[SqlUnitOfWork]:
        """A unit of work for this request; changes are kept only if the route commits."""
        with self.container.uow(actor=self.actor, write=write) as uow:
            yield uow

    @staticmethod
    def today(uow: SqlUnitOfWork) -> date:
        """Today in the business time zone of settings."""
        return today(uow.settings.get().timezone)


def container_of(request: Request) -> Container:
    """The process's container."""
    container: Container = request.app.state.container
    return container


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="solde"'})


def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Caller:
    """The caller, from a live API key; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("send an API key: Authorization: Bearer sk_...")
    container = container_of(request)
    key = container.api_keys.authenticate(credentials.credentials)
    if key is None:
        raise _unauthenticated("the API key is unknown or revoked")
    return Caller(key, container)


def reader(caller: Caller = Depends(authenticated)) -> Caller:
    """Any role may read."""
    return caller


def writer(caller: Caller = Depends(authenticated)) -> Caller:
    """Changing finance data needs the billing or admin role."""
    if not caller.key.role.can_write:
        raise HTTPException(403, f"the {caller.key.role.value} role may only read")
    return caller


def admin(caller: Caller = Depends(authenticated)) -> Caller:
    """Settings need the admin role."""
    if not caller.key.role.can_administer:
        raise HTTPException(403, "only an admin key may change settings")
    return caller


def object_id(value: int, kind: str) -> int:
    """An id from a path; ids outside the possible range simply do not exist."""
    if not is_possible_id(value):
        raise NotFound(kind, value)
    return value


def cursor(value: str | None, field: str = "starting_after") -> int | None:
    """A pagination cursor (the id of the last object of the previous page)."""
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 19 or int(value) > MAX_ID:
        raise InvalidInput.single(field, "invalid_cursor", "is not a cursor returned by this list")
    return int(value)
