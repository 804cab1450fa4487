"""Users of the back office, on both databases: accounts, passwords, sessions and the sign-in
rate limit. Time moves through the `now` parameters."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from solde.bootstrap import Config, Container
from solde.domain.errors import (
    DuplicateValue,
    InvalidInput,
    InvalidState,
    NotFound,
    TooManyAttempts,
)
from solde.storage import users as users_module
from solde.storage.api_keys import Role
from solde.storage.tables import login_failures, users, web_sessions
from solde.storage.users import LoginResult, User, UserStore

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple of the month"
IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"
#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def cheap_hasher() -> PasswordHasher:
    """argon2id with its smallest parameters."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about what the store does with hashes, not about argon2's cost (the
    defaults take about 0.2 s a hash): hash cheaply, except where the defaults matter."""
    monkeypatch.setattr(users_module, "_HASHER", cheap_hasher())


def make(container: Container, email: str = "ada@example.com", **values: Any) -> User:
    values.setdefault("role", Role.BILLING)
    values.setdefault("password", PASSWORD)
    return container.users.create(email=email, **values)


def login(
    container: Container,
    email: str = "ada@example.com",
    password: str = PASSWORD,
    *,
    ip: str = IP,
    now: datetime = NOW,
) -> LoginResult:
    return container.users.authenticate(email, password, ip=ip, now=now)


def table(container: Container, query: Any) -> list[Any]:
    with container.engine.connect() as connection:
        return list(connection.execute(query).all())


def failures(container: Container, email: str | None = None) -> int:
    query = select(func.count()).select_from(login_failures)
    if email is not None:
        query = query.where(login_failures.c.email == email)
    with container.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def stored_hash(container: Container, user_id: int) -> str:
    rows = table(container, select(users.c.password_hash).where(users.c.id == user_id))
    return str(rows[0][0])


# -- accounts ----------------------------------------------------------------------------------


def test_a_user_is_stored_with_a_trimmed_lower_case_email(container: Container) -> None:
    user = make(container, "  Ada@Example.COM ", role=Role.ADMIN, locale="fr_FR")

    assert user.email == "ada@example.com"
    assert (user.role, user.locale) == (Role.ADMIN, "fr_FR")
    assert (user.last_login_at, user.disabled_at) == (None, None)
    assert user.created_at.tzinfo is not None
    assert container.users.get(user.id) == user
    assert container.users.by_email(" ADA@example.com") == user
    assert container.users.by_email("bob@example.com") is None
    assert container.users.list() == [user]


def test_users_are_listed_oldest_first(container: Container) -> None:
    first = make(container, "zoe@example.com")
    second = make(container, "abe@example.com", role=Role.VIEWER)

    assert container.users.list() == [first, second]


def test_an_unknown_user_id_is_not_found(container: Container) -> None:
    with pytest.raises(NotFound, match="user 42 does not exist"):
        container.users.get(42)
    with pytest.raises(NotFound):
        container.users.get(2**70)


def test_an_email_that_is_taken_is_refused_in_any_case(container: Container) -> None:
    first = make(container)

    with pytest.raises(DuplicateValue) as refused:
        make(container, " ADA@example.com", role=Role.ADMIN)

    assert refused.value.field == "email"
    assert container.users.list() == [first]


BAD_ACCOUNTS = [
    ({"email": "not-an-email"}, ["email"]),
    ({"email": "   "}, ["email"]),
    ({"email": "ada@exa\x00mple.com"}, ["email"]),
    ({"email": "a" * 250 + "@example.com"}, ["email"]),
    ({"password": "nine char"}, ["password"]),
    ({"password": "x" * 1001}, ["password"]),
    ({"password": "tab\tin the middle"}, ["password"]),
    ({"password": "line break\n"}, ["password"]),
    ({"locale": "French"}, ["locale"]),
    ({"role": "owner"}, ["role"]),
    ({"email": "nope", "password": "short"}, ["email", "password"]),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("values", "fields"), BAD_ACCOUNTS)
def test_bad_account_values_are_refused_by_field(
    container: Container, values: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        make(container, **{"email": "ada@example.com", **values})

    assert [e.field for e in refused.value.errors] == fields
    assert container.users.list() == []


@SQLITE_ONLY
def test_passwords_of_10_and_of_1000_characters_are_accepted(container: Container) -> None:
    short = make(container, "short@example.com", password="ten chars!")
    long = make(container, "long@example.com", password="é" * 1000)

    assert login(container, short.email, "ten chars!").user == short
    assert login(container, long.email, "é" * 1000).user == long


def test_role_and_locale_can_be_changed(container: Container) -> None:
    user = make(container)

    assert container.users.set_role("ADA@example.com", Role.VIEWER).role is Role.VIEWER
    assert container.users.set_locale(user.id, "de_DE").locale == "de_DE"
    assert container.users.set_locale(user.id, None).locale is None
    with pytest.raises(InvalidInput) as refused:
        container.users.set_locale(user.id, "german")
    assert [e.field for e in refused.value.errors] == ["locale"]
    assert container.users.get(user.id).role is Role.VIEWER


def test_changes_to_an_unknown_email_are_not_found(container: Container) -> None:
    make(container)
    for change in (
        lambda: container.users.set_password("bob@example.com", NEW_PASSWORD),
        lambda: container.users.set_role("bob@example.com", Role.ADMIN),
        lambda: container.users.disable("bob@example.com"),
        lambda: container.users.enable("bob@example.com"),
    ):
        with pytest.raises(NotFound) as refused:
            change()
        assert refused.value.message == "user bob@example.com does not exist"


# -- passwords ---------------------------------------------------------------------------------


def test_the_right_password_signs_in_whatever_the_case_of_the_email(
    container: Container,
) -> None:
    user = make(container)

    assert login(container, " ADA@Example.com ") == LoginResult(user)


def test_a_wrong_password_an_unknown_email_and_a_disabled_user_are_refused_alike(
    container: Container,
) -> None:
    make(container)
    make(container, "off@example.com")
    container.users.disable("off@example.com")

    assert login(container, password="wrong password") == LoginResult(None)
    assert login(container, "nobody@example.com") == LoginResult(None)
    assert login(container, "off@example.com") == LoginResult(None)
    assert failures(container) == 3
    assert failures(container, "nobody@example.com") == 1


def test_an_enabled_user_signs_in_again(container: Container) -> None:
    make(container)
    container.users.disable("ada@example.com")

    enabled = container.users.enable("ada@example.com")

    assert enabled.disabled_at is None
    assert login(container).user == enabled


@SQLITE_ONLY
def test_malformed_sign_in_input_is_a_plain_refusal(container: Container) -> None:
    make(container)

    assert login(container, "ada@exa\x00mple.com") == LoginResult(None)
    assert login(container, "a" * 5000 + "@example.com") == LoginResult(None)
    assert login(container, password="\udc80 lone surrogate") == LoginResult(None)
    assert login(container, password="x" * 100_000) == LoginResult(None)
    assert login(container, ip="\x00" * 100).user is not None  # the address is only a key


def test_an_unknown_email_costs_an_argon2_verification_too(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checked.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(users_module, "_HASHER", Spy(time_cost=1, memory_cost=8, parallelism=1))
    make(container)

    assert login(container, "nobody@example.com").user is None
    assert login(container, "nobody-else@example.com").user is None

    assert len(checked) == 2
    assert checked[0] == checked[1]  # the same dummy hash
    assert checked[0].startswith("$argon2id$")


def test_passwords_are_stored_as_argon2_hashes_and_kept_while_current(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users_module, "_HASHER", PasswordHasher())
    user = make(container)
    before = stored_hash(container, user.id)

    assert login(container).user is not None

    assert before.startswith("$argon2id$")
    assert PASSWORD not in before
    assert stored_hash(container, user.id) == before


def test_a_hash_with_weaker_parameters_is_replaced_at_sign_in(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users_module, "_HASHER", PasswordHasher())
    user = make(container)
    weak = cheap_hasher().hash(PASSWORD)
    with container.engine.begin() as connection:
        connection.execute(update(users).where(users.c.id == user.id).values(password_hash=weak))

    assert login(container).user is not None

    rehashed = stored_hash(container, user.id)
    assert rehashed != weak
    assert not PasswordHasher().check_needs_rehash(rehashed)
    assert login(container, now=NOW + timedelta(seconds=1)).user is not None


def test_an_administrator_sets_a_password_and_every_session_ends(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)

    container.users.set_password(" Ada@example.com", NEW_PASSWORD)

    assert container.users.session(token, now=NOW) is None
    assert login(container).user is None
    assert login(container, password=NEW_PASSWORD).user is not None
    with pytest.raises(InvalidInput) as refused:
        container.users.set_password("ada@example.com", "too short")
    assert [e.field for e in refused.value.errors] == ["password"]


def test_a_user_changes_their_password_with_the_current_one(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)

    container.users.change_password(user.id, PASSWORD, NEW_PASSWORD, ip="127.0.0.1")

    assert container.users.session(token, now=NOW) is None
    assert login(container, password=NEW_PASSWORD).user is not None


def test_a_wrong_current_password_changes_nothing(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)

    with pytest.raises(InvalidInput) as wrong:
        container.users.change_password(user.id, "not my password", NEW_PASSWORD, ip="127.0.0.1")
    with pytest.raises(InvalidInput) as both:
        container.users.change_password(user.id, "not my password", "short", ip="127.0.0.1")
    with pytest.raises(InvalidInput) as weak:
        container.users.change_password(user.id, PASSWORD, "short", ip="127.0.0.1")

    assert [e.field for e in wrong.value.errors] == ["current_password"]
    assert [e.field for e in both.value.errors] == ["current_password", "new_password"]
    assert [e.field for e in weak.value.errors] == ["new_password"]
    assert container.users.session(token, now=NOW) is not None
    assert login(container).user is not None


def test_guessing_the_current_password_is_limited_as_signing_in_is(container: Container) -> None:
    user = make(container)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            container.users.change_password(
                user.id, "a wrong guess", NEW_PASSWORD, ip="10.0.0.9", now=NOW
            )

    with pytest.raises(TooManyAttempts) as limited:
        container.users.change_password(user.id, PASSWORD, NEW_PASSWORD, ip="10.0.0.9", now=NOW)
    assert 0 < limited.value.retry_after <= 15 * 60
    assert login(container, now=NOW).retry_after is not None  # signing in waits too

    later = NOW + timedelta(minutes=16)
    container.users.change_password(user.id, PASSWORD, NEW_PASSWORD, ip="10.0.0.9", now=later)
    assert login(container, password=NEW_PASSWORD, now=later).user is not None


# -- sessions ----------------------------------------------------------------------------------


def test_a_session_starts_at_sign_in_and_records_it(container: Container) -> None:
    user = make(container)

    token, session = container.users.start_session(user.id, now=NOW)

    assert len(token) >= 43
    assert session.user.id == user.id
    assert (session.created_at, session.expires_at) == (NOW, NOW + timedelta(hours=24))
    assert len(session.csrf_token) >= 43
    assert session.csrf_token != token
    assert container.users.get(user.id).last_login_at == NOW
    found = container.users.session(token, now=NOW + timedelta(minutes=5))
    assert found is not None
    assert found.user == container.users.get(user.id)
    assert (found.csrf_token, found.created_at, found.expires_at) == (
        session.csrf_token,
        NOW,
        NOW + timedelta(hours=24),
    )


def test_each_session_has_its_own_token_and_csrf_token(container: Container) -> None:
    user = make(container)

    first, one = container.users.start_session(user.id, now=NOW)
    second, other = container.users.start_session(user.id, now=NOW)

    assert first != second
    assert one.csrf_token != other.csrf_token


def test_a_session_ends_after_four_idle_hours(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)
    used = NOW + timedelta(hours=3)

    assert container.users.session(token, now=used) is not None  # the idle clock restarts
    assert container.users.session(token, now=used + timedelta(hours=4, seconds=-1)) is not None
    later = used + timedelta(hours=4, seconds=-1) + timedelta(hours=4)

    assert container.users.session(token, now=later) is None


def test_a_session_ends_24_hours_after_sign_in_however_busy(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)

    for hours in range(3, 24, 3):
        assert container.users.session(token, now=NOW + timedelta(hours=hours)) is not None
    last = NOW + timedelta(hours=24, seconds=-1)
    assert container.users.session(token, now=last) is not None

    assert container.users.session(token, now=NOW + timedelta(hours=24)) is None


def test_last_use_is_written_at_most_once_a_minute(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)
    seen = select(web_sessions.c.last_seen_at)

    container.users.session(token, now=NOW + timedelta(seconds=60))
    assert table(container, seen) == [(NOW,)]

    container.users.session(token, now=NOW + timedelta(seconds=61))
    assert table(container, seen) == [(NOW + timedelta(seconds=61),)]


def test_signing_out_ends_that_session_only(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)
    other, _other = container.users.start_session(user.id, now=NOW)

    container.users.end_session(token)

    assert container.users.session(token, now=NOW) is None
    assert container.users.session(other, now=NOW) is not None
    container.users.end_session(token)  # twice is harmless


def test_an_unknown_token_is_no_session(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)

    assert container.users.session(token[:-1], now=NOW) is None
    assert container.users.session("", now=NOW) is None
    assert container.users.session("x" * 10_000, now=NOW) is None


def test_disabling_a_user_ends_their_sessions_for_good(container: Container) -> None:
    user = make(container)
    first, _one = container.users.start_session(user.id, now=NOW)
    second, _two = container.users.start_session(user.id, now=NOW)

    disabled = container.users.disable("ada@example.com")
    container.users.enable("ada@example.com")

    assert disabled.disabled_at is not None
    assert container.users.session(first, now=NOW) is None
    assert container.users.session(second, now=NOW) is None
    assert table(container, select(web_sessions)) == []


def test_a_disabled_user_has_no_session(container: Container) -> None:
    user = make(container)
    token, _session = container.users.start_session(user.id, now=NOW)
    with container.engine.begin() as connection:  # disabled by another process, row left
        connection.execute(update(users).values(disabled_at=NOW))

    assert container.users.session(token, now=NOW) is None
    with pytest.raises(InvalidState):
        container.users.start_session(user.id, now=NOW)


def test_only_a_hash_of_the_session_token_is_stored(container: Container) -> None:
    user = make(container)

    token, _session = container.users.start_session(user.id, now=NOW)

    (row,) = table(container, select(web_sessions))
    assert token not in [str(value) for value in row]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


# -- the sign-in rate limit ------------------------------------------------------------------


def test_five_failures_lock_an_email_for_fifteen_minutes(
    container: Container, database_url: str
) -> None:
    user = make(container)
    for second in range(5):
        wrong = login(container, password="wrong password", now=NOW + timedelta(seconds=second))
        assert wrong == LoginResult(None)

    # refused with the right password, from any address, by any worker process
    other_process = Container(Config(database_url))
    try:
        refused = other_process.users.authenticate(
            "ada@example.com", PASSWORD, ip=OTHER_IP, now=NOW + timedelta(seconds=10)
        )
    finally:
        other_process.dispose()
    assert refused == LoginResult(None, retry_after=15 * 60 - 10)
    almost = login(container, now=NOW + timedelta(minutes=15, seconds=-1))
    assert almost == LoginResult(None, retry_after=1)
    assert failures(container) == 5  # refusals are not failures: the lock does not grow

    assert login(container, now=NOW + timedelta(minutes=15)) == LoginResult(user)


def test_a_locked_email_leaves_the_others_alone(container: Container) -> None:
    make(container)
    bob = make(container, "bob@example.com")
    for _ in range(5):
        login(container, password="wrong password")

    assert login(container, "bob@example.com") == LoginResult(bob)
    assert login(container).retry_after == 15 * 60


def test_thirty_failures_lock_an_address_for_fifteen_minutes(container: Container) -> None:
    user = make(container)
    for attempt in range(30):  # three per e-mail: no e-mail reaches its own limit
        login(container, f"guess{attempt % 10}@example.com", now=NOW + timedelta(seconds=attempt))

    assert login(container, now=NOW + timedelta(seconds=30)).retry_after == 15 * 60 - 30
    assert login(container, ip=OTHER_IP, now=NOW + timedelta(seconds=30)) == LoginResult(user)
    assert login(container, now=NOW + timedelta(minutes=15, seconds=1)) == LoginResult(user)


def test_a_success_forgets_the_failures_of_that_email(container: Container) -> None:
    make(container)
    make(container, "bob@example.com")
    login(container, "bob@example.com", "wrong password")
    for _ in range(4):
        login(container, password="wrong password")

    assert login(container).user is not None
    assert failures(container, "ada@example.com") == 0
    assert failures(container, "bob@example.com") == 1
    for _ in range(4):
        login(container, password="wrong password")
    assert login(container).user is not None  # 4 + 4 failures, but never 5 in a row


def test_failures_older_than_a_day_are_deleted(container: Container) -> None:
    make(container)
    login(container, "old@example.com", now=NOW - timedelta(days=1, seconds=1))
    login(container, "recent@example.com", now=NOW - timedelta(hours=23))

    assert login(container).user is not None

    assert table(container, select(login_failures.c.email)) == [("recent@example.com",)]


def test_the_store_takes_other_expiry_durations(container: Container) -> None:
    user = make(container)
    store = UserStore(container.engine, idle=timedelta(minutes=10), lifetime=timedelta(hours=1))
    token, session = store.start_session(user.id, now=NOW)

    assert session.expires_at == NOW + timedelta(hours=1)
    assert store.session(token, now=NOW + timedelta(minutes=9)) is not None
    assert store.session(token, now=NOW + timedelta(minutes=19, seconds=1)) is None
