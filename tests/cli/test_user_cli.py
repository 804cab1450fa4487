"""`solde user`: the users of the web back office, in-process on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner, Result

from solde.cli import main
from solde.storage import users as users_module
from solde.storage.api_keys import Role
from solde.storage.users import User

if TYPE_CHECKING:
    from conftest import Cli

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple of the month"
#: Input checks happen before the database is touched: run them on one backend only.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with its smallest parameters: these tests are about the commands, and the
    defaults take about 0.2 s a hash."""
    monkeypatch.setattr(
        users_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def signs_in(cli: Cli, email: str, password: str) -> User | None:
    return cli.container.users.authenticate(email, password, ip="192.0.2.1").user


def typed(*args: str, text: str) -> Result:
    """`solde ARGS` with `text` typed at the terminal."""
    return CliRunner().invoke(main.app, list(args), input=text)


def create(cli: Cli, email: str = "ada@example.com", role: str = "billing", *more: str) -> str:
    return cli.ok(
        "user", "create", "--email", email, "--role", role, "--password", PASSWORD, *more
    ).stdout


# -- create ------------------------------------------------------------------------------------


def test_create_makes_a_user_who_can_sign_in(cli: Cli) -> None:
    stdout = create(cli, " Ada@Example.com", "admin", "--locale", "fr_FR")

    assert stdout == "created user 1 (ada@example.com, admin)\n"
    user = signs_in(cli, "ada@example.com", PASSWORD)
    assert user is not None
    assert (user.role, user.locale) == (Role.ADMIN, "fr_FR")


def test_create_asks_for_the_password_twice_without_showing_it(cli: Cli) -> None:
    result = typed(
        "user", "create", "--email", "ada@example.com", "--role", "viewer",
        text=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Password: " in result.stdout
    assert "Repeat for confirmation: " in result.stdout
    assert PASSWORD not in result.output
    assert "created user 1 (ada@example.com, viewer)" in result.stdout
    assert signs_in(cli, "ada@example.com", PASSWORD) is not None


def test_create_asks_again_when_the_two_passwords_differ(cli: Cli) -> None:
    result = typed(
        "user", "create", "--email", "ada@example.com", "--role", "viewer",
        text=f"{PASSWORD}\n{PASSWORD}!\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert signs_in(cli, "ada@example.com", NEW_PASSWORD) is not None
    assert signs_in(cli, "ada@example.com", PASSWORD) is None


def test_create_stops_when_no_password_is_typed(cli: Cli) -> None:
    result = typed("user", "create", "--email", "ada@example.com", "--role", "viewer", text="")

    assert result.exit_code == 1
    assert cli.container.users.list() == []


def test_create_refuses_an_email_that_is_taken(cli: Cli) -> None:
    create(cli)

    message = cli.fails(
        "user", "create", "--email", "ADA@example.com", "--role", "admin", "--password", PASSWORD
    )

    assert message == "a user with e-mail ada@example.com already exists"
    assert [u.role for u in cli.container.users.list()] == [Role.BILLING]


@SQLITE_ONLY
def test_create_refuses_bad_values_naming_the_field(cli: Cli, subtests: pytest.Subtests) -> None:
    cases = [
        ("not-an-email", PASSWORD, "fr_FR", "email: 'not-an-email' is not an e-mail address"),
        ("ada@example.com", "too short", "fr_FR", "password: must be at least 10 characters"),
        ("ada@example.com", "x" * 1001, "fr_FR", "password: must be at most 1000 characters"),
        ("ada@example.com", "a\ttab inside", "fr_FR", "password: contains a control character"),
        ("ada@example.com", PASSWORD, "french", "locale: 'french' is not a locale like fr_FR"),
    ]
    for email, password, locale, expected in cases:
        with subtests.test(expected):
            message = cli.fails(
                "user", "create", "--role", "admin",
                "--email", email, "--password", password, "--locale", locale,
            )  # fmt: skip
            assert message == expected
    assert "--role" in cli.usage_error("user", "create", "--email", "a@example.com", "--role", "x")
    assert "--email" in cli.usage_error("user", "create", "--role", "admin")
    assert cli.container.users.list() == []


# -- list --------------------------------------------------------------------------------------


def test_list_shows_users_oldest_first_and_never_their_passwords(cli: Cli) -> None:
    create(cli, "zoe@example.com", "admin", "--locale", "de_DE")
    create(cli, "abe@example.com", "viewer")
    zoe = cli.container.users.by_email("zoe@example.com")
    assert zoe is not None
    cli.container.users.start_session(zoe.id)
    cli.ok("user", "disable", "--email", "abe@example.com")

    listed = cli.json("user", "list")
    human = cli.ok("user", "list").stdout

    assert [(u["id"], u["email"], u["role"], u["locale"], u["disabled"]) for u in listed] == [
        (1, "zoe@example.com", "admin", "de_DE", False),
        (2, "abe@example.com", "viewer", None, True),
    ]
    assert listed[1]["last_login_at"] is None
    for user in listed:
        assert set(user) == {
            "id", "email", "role", "locale", "created_at", "last_login_at", "disabled",
        }  # fmt: skip
    login = datetime.fromisoformat(listed[0]["last_login_at"])
    assert abs(datetime.now(UTC) - login) < timedelta(minutes=10)
    assert "zoe@example.com" in human
    assert "abe@example.com" in human
    assert "argon2" not in human + str(listed)
    assert PASSWORD not in human


def test_list_of_no_users_is_empty(cli: Cli) -> None:
    assert cli.json("user", "list") == []


# -- set-password ------------------------------------------------------------------------------


def test_set_password_replaces_it_and_ends_every_session(cli: Cli) -> None:
    create(cli)
    user = signs_in(cli, "ada@example.com", PASSWORD)
    assert user is not None
    token, _session = cli.container.users.start_session(user.id)

    outcome = cli.ok(
        "user", "set-password", "--email", "Ada@example.com", "--password", NEW_PASSWORD
    )

    assert outcome.stdout == "password changed for ada@example.com; their sessions have ended\n"
    assert cli.container.users.session(token) is None
    assert signs_in(cli, "ada@example.com", NEW_PASSWORD) is not None
    assert signs_in(cli, "ada@example.com", PASSWORD) is None


def test_set_password_asks_for_it_twice_when_not_given(cli: Cli) -> None:
    create(cli)

    result = typed(
        "user", "set-password", "--email", "ada@example.com",
        text=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert signs_in(cli, "ada@example.com", NEW_PASSWORD) is not None


def test_set_password_of_an_unknown_user_fails_before_asking(cli: Cli) -> None:
    create(cli)

    assert cli.fails("user", "set-password", "--email", "bob@example.com") == (
        "user bob@example.com does not exist"
    )
    assert cli.fails(
        "user", "set-password", "--email", "bob@example.com", "--password", NEW_PASSWORD
    ) == ("user bob@example.com does not exist")


@SQLITE_ONLY
def test_set_password_refuses_a_bad_password(cli: Cli) -> None:
    create(cli)

    message = cli.fails("user", "set-password", "--email", "ada@example.com", "--password", "short")

    assert message == "password: must be at least 10 characters"
    assert signs_in(cli, "ada@example.com", PASSWORD) is not None


# -- set-role, disable, enable -----------------------------------------------------------------


def test_set_role_changes_what_the_user_may_do(cli: Cli) -> None:
    create(cli)

    outcome = cli.ok("user", "set-role", "--email", "ada@example.com", "--role", "viewer")

    assert outcome.stdout == "ada@example.com is now viewer\n"
    assert [u.role for u in cli.container.users.list()] == [Role.VIEWER]
    assert cli.fails("user", "set-role", "--email", "bob@example.com", "--role", "admin") == (
        "user bob@example.com does not exist"
    )
    assert "--role" in cli.usage_error(
        "user", "set-role", "--email", "ada@example.com", "--role", "root"
    )


def test_disable_stops_sign_in_and_ends_sessions_enable_lets_in_again(cli: Cli) -> None:
    create(cli)
    user = signs_in(cli, "ada@example.com", PASSWORD)
    assert user is not None
    token, _session = cli.container.users.start_session(user.id)

    disabled = cli.ok("user", "disable", "--email", "ada@example.com")

    assert disabled.stdout == "disabled ada@example.com; their sessions have ended\n"
    assert cli.container.users.session(token) is None
    assert signs_in(cli, "ada@example.com", PASSWORD) is None

    enabled = cli.ok("user", "enable", "--email", "ada@example.com")

    assert enabled.stdout == "enabled ada@example.com\n"
    assert signs_in(cli, "ada@example.com", PASSWORD) is not None
    assert cli.container.users.session(token) is None  # ended, not suspended


def test_disable_and_enable_an_unknown_user_fail(cli: Cli) -> None:
    create(cli)

    for command in ("disable", "enable"):
        message = cli.fails("user", command, "--email", "bob@example.com")
        assert message == "user bob@example.com does not exist"


@SQLITE_ONLY
def test_create_on_a_new_database_creates_the_schema_first(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLDE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    cli.forget_container()

    assert create(cli) == "created user 1 (ada@example.com, billing)\n"
    assert [u["email"] for u in cli.json("user", "list")] == ["ada@example.com"]
