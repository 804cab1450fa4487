"""The HTTP status of each domain error, in one table for every edge that speaks HTTP: the
REST API's problems (`solde.api.problems`) and the back office's pages (`solde.web`).

The domain never knows about HTTP; this table is where its errors meet it.
"""

from __future__ import annotations

from solde.domain.errors import (
    Conflict,
    CurrencyMismatch,
    InvalidInput,
    NotFound,
    SoldeError,
    TooManyAttempts,
    Unavailable,
)

#: HTTP status of each domain error class; the most specific class listed wins.
STATUS: dict[type[SoldeError], int] = {
    InvalidInput: 422,
    CurrencyMismatch: 422,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
    Unavailable: 503,
    SoldeError: 400,
}


def status_of(error: SoldeError) -> int:
    """The HTTP status for a domain error."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400
