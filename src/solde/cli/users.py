"""`solde user`: the people who sign in to the web back office."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from solde.cli.context import console, container, print_json
from solde.domain.errors import NotFound
from solde.storage.api_keys import Role
from solde.storage.users import User

app = typer.Typer(help="Users of the web back office.", no_args_is_help=True)

Email = Annotated[str, typer.Option(help="The user's e-mail address (their sign-in name).")]
Password = Annotated[
    str | None,
    typer.Option(help="The password (10 to 1000 characters); asked for, hidden, when left out."),
]
RoleOption = Annotated[Role, typer.Option(help="admin, billing or viewer.")]


def _password(given: str | None) -> str:
    if given is not None:
        return given
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@app.command("create")
def create(
    email: Email,
    role: RoleOption,
    password: Password = None,
    locale: Annotated[
        str | None, typer.Option(help="Preferred locale, e.g. fr_FR (default: settings').")
    ] = None,
) -> None:
    """Create a user who can sign in to the back office."""
    container().migrate()
    secret = _password(password)
    user = container().users.create(email=email, role=role, password=secret, locale=locale)
    typer.echo(f"created user {user.id} ({user.email}, {user.role.value})")


@app.command("list")
def list_users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the users (never their passwords), oldest first."""
    found = container().users.list()
    if as_json:
        print_json([_row(user) for user in found])
        return
    table = Table(show_edge=False, header_style="bold")
    table.add_column("id", justify="right")
    # e-mails are what an operator types next: never cut short, whatever the width
    table.add_column("email", min_width=max((len(u.email) for u in found), default=5))
    for name in ("role", "locale", "created_at", "last_login_at", "disabled"):
        table.add_column(name, overflow="fold")
    for user in found:
        table.add_row(
            str(user.id),
            user.email,
            user.role.value,
            user.locale or "",
            _minute(user.created_at),
            _minute(user.last_login_at),
            "yes" if user.disabled_at is not None else "",
        )
    console.print(table)


@app.command("set-password")
def set_password(email: Email, password: Password = None) -> None:
    """Give a user a new password; every session of theirs ends."""
    if password is None and container().users.by_email(email) is None:
        raise NotFound("user", email.strip().lower())  # before asking for a password in vain
    secret = _password(password)
    user = container().users.set_password(email, secret)
    typer.echo(f"password changed for {user.email}; their sessions have ended")


@app.command("set-role")
def set_role(email: Email, role: RoleOption) -> None:
    """Change what a user may do (it applies to their open sessions at once)."""
    user = container().users.set_role(email, role)
    typer.echo(f"{user.email} is now {user.role.value}")


@app.command("disable")
def disable(email: Email) -> None:
    """Stop a user from signing in; every session of theirs ends at once."""
    user = container().users.disable(email)
    typer.echo(f"disabled {user.email}; their sessions have ended")


@app.command("enable")
def enable(email: Email) -> None:
    """Let a disabled user sign in again."""
    user = container().users.enable(email)
    typer.echo(f"enabled {user.email}")


def _minute(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _row(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.value,
        "locale": user.locale,
        "created_at": user.created_at.isoformat(),
        "last_login_at": None if user.last_login_at is None else user.last_login_at.isoformat(),
        "disabled": user.disabled_at is not None,
    }
