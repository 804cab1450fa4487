"""Users of the web back office: passwords, server-side sessions and the sign-in rate limit.

Passwords are hashed with argon2id (argon2-cffi's defaults) and rehashed on sign-in when those
defaults grow. A session is a random cookie token of which only the SHA-256 is stored (as for
API keys: 256 random bits need no slow hash); it ends after `IDLE_TIMEOUT` without use and
`SESSION_LIFETIME` after sign-in, whichever comes first. Failed sign-ins are written to the
database, so that the limit holds across worker processes and restarts.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, delete, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from solde.domain.errors import (
    DuplicateValue,
    FieldErrors,
    InvalidInput,
    InvalidState,
    NotFound,
    TooManyAttempts,
)
from solde.domain.values import check_email, clean_text, is_possible_id
from solde.ledger.settings import check_locale
from solde.storage.api_keys import Role, fingerprint
from solde.storage.tables import login_failures, users, web_sessions

#: A session ends after this long without a request...
IDLE_TIMEOUT = timedelta(hours=4)
#: ...and this long after sign-in in any case.
SESSION_LIFETIME = timedelta(hours=24)
#: How often a session's last use is written (not at every page view).
SEEN_RESOLUTION = timedelta(seconds=60)

PASSWORD_MIN = 10
PASSWORD_MAX = 1000
#: Failed sign-ins counted over this window...
FAILURE_WINDOW = timedelta(minutes=15)
#: ...refuse an e-mail after this many failures for it,...
MAX_FAILURES_PER_EMAIL = 5
#: ...and an address after this many failures from it.
MAX_FAILURES_PER_IP = 30
#: Failures older than this are deleted.
FAILURE_RETENTION = timedelta(days=1)

_HASHER = PasswordHasher()
T = TypeVar("T")
u = users.c
s = web_sessions.c
f = login_failures.c


@dataclass(frozen=True, slots=True)
class User:
    """Someone who signs in to the back office."""

    id: int
    email: str  # trimmed and lower-case
    role: Role
    locale: str | None  # None: the default_locale of settings
    created_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser, as read at the current request."""

    user: User
    csrf_token: str  # random, one per session: the web forms carry it
    created_at: datetime
    expires_at: datetime  # the absolute end of the session


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a sign-in: the user, or why not."""

    user: User | None  # set when the e-mail and password are right and the user is enabled
    retry_after: int | None = None  # seconds to wait when the rate limit refused the attempt


class UserStore:
    """Create and change users, check their passwords, keep their sessions."""

    def __init__(
        self,
        engine: Engine,
        *,
        idle: timedelta = IDLE_TIMEOUT,
        lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._engine = engine
        self._idle = idle
        self._lifetime = lifetime

    # -- users -----------------------------------------------------------------------------

    def create(self, *, email: str, role: Role, password: str, locale: str | None = None) -> User:
        """A new user; an e-mail that is taken is refused."""
        errors = FieldErrors()
        address = _collect(errors, lambda: _email(email))
        kind = _collect(errors, lambda: _role(role))
        _collect(errors, lambda: check_password(password))
        language = _collect(errors, lambda: _locale(locale))
        errors.raise_if_any()
        password_hash = _HASHER.hash(password)
        now = datetime.now(UTC)
        try:
            with self._write() as connection:
                user_id = connection.execute(
                    insert(users)
                    .values(
                        email=address,
                        role=kind,
                        password_hash=password_hash,
                        locale=language,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(u.id)
                ).scalar_one()
        except IntegrityError:
            raise DuplicateValue("email", f"a user with e-mail {address} already exists") from None
        return self.get(user_id)

    def get(self, user_id: int) -> User:
        """The user with this id."""
        row = None
        if is_possible_id(user_id):
            with self._engine.connect() as connection:
                row = connection.execute(select(users).where(u.id == user_id)).first()
        if row is None:
            raise NotFound("user", user_id)
        return _user(row)

    def by_email(self, email: str) -> User | None:
        """The user with this e-mail (in any case, spaces around ignored), if any."""
        address = _lookup_email(email)
        row = None if address is None else self._row_by_email(address)
        return None if row is None else _user(row)

    def set_password(self, email: str, password: str) -> User:
        """Give a user a new password (an administrator's reset); their sessions end."""
        check_password(password)
        user = self._existing(email)
        self._store_password(user.id, password)
        return self.get(user.id)

    def change_password(
        self, user_id: int, current: str, new: str, *, ip: str, now: datetime | None = None
    ) -> User:
        """A user changes their own password, proving the current one; their sessions end.

        A wrong current password counts as a failed sign-in of the user from address `ip`,
        under the same limit (`TooManyAttempts`): a session left open does not allow guessing
        the password that outlives it."""
        user = self.get(user_id)
        at = _utc(now)
        wait = self._claim_attempt(user.email, _key(ip, 45), at)
        if wait is not None:
            raise TooManyAttempts(wait)
        with self._engine.connect() as connection:
            stored = connection.execute(select(u.password_hash).where(u.id == user.id)).scalar()
        errors = FieldErrors()
        if stored is None or not _verify(stored, current):
            errors.add("current_password", "wrong_password", "is not the current password")
        else:
            self._forget_failures(user.email, at)
        _collect(errors, lambda: check_password(new, field="new_password"))
        errors.raise_if_any()
        self._store_password(user.id, new)
        return self.get(user.id)

    def set_locale(self, user_id: int, locale: str | None) -> User:
        """The user's preferred locale (None: the default of settings)."""
        language = _locale(locale)
        user = self.get(user_id)
        with self._write() as connection:
            connection.execute(
                update(users)
                .where(u.id == user.id)
                .values(locale=language, updated_at=datetime.now(UTC))
            )
        return self.get(user.id)

    def set_role(self, email: str, role: Role) -> User:
        """Change what a user may do; it applies to their open sessions at once."""
        kind = _role(role)
        user = self._existing(email)
        with self._write() as connection:
            connection.execute(
                update(users).where(u.id == user.id).values(role=kind, updated_at=datetime.now(UTC))
            )
        return self.get(user.id)

    def disable(self, email: str) -> User:
        """Stop a user from signing in; their sessions end at once."""
        user = self._existing(email)
        now = datetime.now(UTC)
        with self._write() as connection:
            connection.execute(
                update(users)
                .where(u.id == user.id, u.disabled_at.is_(None))
                .values(disabled_at=now, updated_at=now)
            )
            connection.execute(delete(web_sessions).where(s.user_id == user.id))
        return self.get(user.id)

    def enable(self, email: str) -> User:
        """Let a disabled user sign in again."""
        user = self._existing(email)
        with self._write() as connection:
            connection.execute(
                update(users)
                .where(u.id == user.id, u.disabled_at.is_not(None))
                .values(disabled_at=None, updated_at=datetime.now(UTC))
            )
        return self.get(user.id)

    # -- signing in ------------------------------------------------------------------------

    def authenticate(
        self, email: str, password: str, *, ip: str, now: datetime | None = None
    ) -> LoginResult:
        """Check an e-mail and password typed at the sign-in form, from address `ip`.

        Refused without looking at the password when, over the last 15 minutes, 5 attempts
        for this e-mail or 30 from this address failed. An unknown e-mail costs as much time
        as a known one, so that the answer does not tell which e-mails exist.
        """
        at = _utc(now)
        wait = self._claim_attempt(_key(email, 254), _key(ip, 45), at)
        if wait is not None:
            return LoginResult(None, retry_after=wait)
        address = _lookup_email(email)
        row = None if address is None else self._row_by_email(address)
        usable = _is_usable_password(password)
        if row is None or not usable:
            _verify(_dummy_hash(), password if usable else "")
            return LoginResult(None)
        if not _verify(row.password_hash, password) or row.disabled_at is not None:
            return LoginResult(None)
        self._signed_in(row, password, at)
        return LoginResult(_user(row))

    def start_session(self, user_id: int, *, now: datetime | None = None) -> tuple[str, Session]:
        """Open a session for a signed-in user: the cookie token (shown once) and the session."""
        at = _utc(now)
        user = self.get(user_id)
        if user.disabled_at is not None:
            raise InvalidState(f"user {user.email} is disabled")
        token = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), at, at + self._lifetime)
        with self._write() as connection:
            connection.execute(
                delete(web_sessions).where(
                    or_(s.expires_at <= at, s.last_seen_at <= at - self._idle)
                )
            )
            connection.execute(
                insert(web_sessions).values(
                    token_hash=fingerprint(token),
                    user_id=user.id,
                    csrf_token=session.csrf_token,
                    created_at=at,
                    last_seen_at=at,
                    expires_at=session.expires_at,
                )
            )
            connection.execute(update(users).where(u.id == user.id).values(last_login_at=at))
        return token, session

    def session(self, token: str, *, now: datetime | None = None) -> Session | None:
        """The live session of this cookie token, None when it is unknown, has expired (idle
        or absolute) or its user is disabled."""
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return None
        at = _utc(now)
        digest = fingerprint(token)
        query = (
            select(web_sessions, *(c.label(f"u_{c.name}") for c in users.c))
            .join(users, u.id == s.user_id)
            .where(s.token_hash == digest)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        if at >= row.expires_at or at - row.last_seen_at >= self._idle:
            self.end_session(token)
            return None
        if row.u_disabled_at is not None:
            return None
        if at - row.last_seen_at > SEEN_RESOLUTION:
            with self._write() as connection:
                connection.execute(
                    update(web_sessions)
                    .where(s.token_hash == digest, s.last_seen_at < at)
                    .values(last_seen_at=at)
                )
        user = _user(row, prefix="u_")
        return Session(user, row.csrf_token, row.created_at, row.expires_at)

    def end_session(self, token: str) -> None:
        """Sign out: the token stops working at once."""
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return
        with self._write() as connection:
            connection.execute(delete(web_sessions).where(s.token_hash == fingerprint(token)))

    def list(self) -> list[User]:
        """Every user, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(users).order_by(u.id)).all()
        return [_user(r) for r in rows]

    # -- inside ----------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (on SQLite it takes the write lock at once)."""
        with (
            self._engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection,
            connection.begin(),
        ):
            yield connection

    def _row_by_email(self, address: str) -> Row[Any] | None:
        with self._engine.connect() as connection:
            return connection.execute(select(users).where(u.email == address)).first()

    def _existing(self, email: str) -> User:
        user = self.by_email(email)
        if user is None:
            raise NotFound("user", _key(email, 254))
        return user

    def _store_password(self, user_id: int, password: str) -> None:
        password_hash = _HASHER.hash(password)
        with self._write() as connection:
            connection.execute(
                update(users)
                .where(u.id == user_id)
                .values(password_hash=password_hash, updated_at=datetime.now(UTC))
            )
            connection.execute(delete(web_sessions).where(s.user_id == user_id))

    def _claim_attempt(self, address: str, source: str, at: datetime) -> int | None:
        """Seconds to wait when the limit is reached; otherwise record the attempt as failed
        (a success deletes it) before the password is checked, so that parallel attempts
        cannot get past the limit."""
        with self._write() as connection:
            if connection.dialect.name == "postgresql":  # SQLite's write lock already serialises
                connection.execute(text("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE"))
            wait = max(
                _wait(connection, f.email == address, MAX_FAILURES_PER_EMAIL, at),
                _wait(connection, f.ip == source, MAX_FAILURES_PER_IP, at),
            )
            if wait > 0:
                return wait
            connection.execute(insert(login_failures).values(email=address, ip=source, at=at))
        return None

    def _forget_failures(self, address: str, at: datetime) -> None:
        """The e-mail proved its password: forget its failures, and everyone's old ones."""
        with self._write() as connection:
            connection.execute(
                delete(login_failures).where(or_(f.email == address, f.at < at - FAILURE_RETENTION))
            )

    def _signed_in(self, row: Row[Any], password: str, at: datetime) -> None:
        """Forget the e-mail's failures and old ones; rehash a password hashed with weaker
        parameters than today's."""
        new_hash = _HASHER.hash(password) if _HASHER.check_needs_rehash(row.password_hash) else None
        self._forget_failures(row.email, at)
        if new_hash is None:
            return
        with self._write() as connection:
            connection.execute(
                update(users)
                .where(u.id == row.id, u.password_hash == row.password_hash)
                .values(password_hash=new_hash)
            )


def check_password(value: object, *, field: str = "password") -> str:
    """A password as solde accepts it: 10 to 1000 characters, no control character."""
    if not isinstance(value, str):
        raise InvalidInput.single(field, "not_text", "must be text")
    if len(value) < PASSWORD_MIN:
        raise InvalidInput.single(field, "too_short", f"must be at least {PASSWORD_MIN} characters")
    if len(value) > PASSWORD_MAX:
        raise InvalidInput.single(field, "too_long", f"must be at most {PASSWORD_MAX} characters")
    if any(_is_control(char) for char in value):
        raise InvalidInput.single(field, "bad_character", "contains a control character")
    return value


def _is_usable_password(value: object) -> bool:
    try:
        check_password(value)
    except InvalidInput:
        return False
    return True


def _collect(errors: FieldErrors, check: Callable[[], T]) -> T | None:
    """Run one check, recording its InvalidInput instead of raising it."""
    try:
        return check()
    except InvalidInput as error:
        errors.absorb(error)
        return None


def _email(value: object) -> str:
    text = clean_text(value, field="email", max_length=254, required=True)
    checked = check_email(text, field="email")
    assert checked is not None
    return checked.lower()


def _role(value: object) -> str:
    try:
        return Role(str(value)).value
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput.single("role", "invalid_choice", f"must be one of {choices}") from None


def _locale(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return check_locale(value, field="locale")


def _lookup_email(value: object) -> str | None:
    """An e-mail as typed, trimmed and lower-case; None when no user can have it."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not text or len(text) > 254 or any(_is_control(c) for c in text):
        return None
    return text


def _key(value: object, length: int) -> str:
    """A typed value made fit to record (a failed sign-in's e-mail or address): trimmed,
    lower-case, control characters replaced, cut to the column's length."""
    if not isinstance(value, str):
        return ""
    text = "".join("?" if _is_control(c) else c for c in value.strip().lower())
    return text[:length]


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs")


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def _wait(connection: Connection, where: Any, limit: int, at: datetime) -> int:
    """Seconds until fewer than `limit` failures matching `where` are in the window; 0 when
    there are fewer already."""
    oldest_to_leave: datetime | None = connection.execute(
        select(f.at)
        .where(where, f.at > at - FAILURE_WINDOW)
        .order_by(f.at.desc())
        .offset(limit - 1)
        .limit(1)
    ).scalar()
    if oldest_to_leave is None:
        return 0
    return max(1, math.ceil((oldest_to_leave + FAILURE_WINDOW - at).total_seconds()))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash to check unknown e-mails against, made with today's parameters."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _user(row: Row[Any], prefix: str = "") -> User:
    values = row._mapping
    return User(
        id=values[f"{prefix}id"],
        email=values[f"{prefix}email"],
        role=Role(values[f"{prefix}role"]),
        locale=values[f"{prefix}locale"],
        created_at=values[f"{prefix}created_at"],
        last_login_at=values[f"{prefix}last_login_at"],
        disabled_at=values[f"{prefix}disabled_at"],
    )
