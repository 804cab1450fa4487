"""`solde init`, `serve`, `demo`, `api-key`, `settings`."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from solde import views
from solde.bootstrap import is_timezone
from solde.cli.context import (
    NEGATIVE_NUMBERS,
    business_today,
    container,
    print_fields,
    print_json,
    print_table,
    unit_of_work,
)
from solde.domain.errors import InvalidInput
from solde.ledger import usecases
from solde.ledger.dunning_settings import DunningSettings
from solde.ledger.settings import Settings
from solde.storage.api_keys import Role

keys = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)
settings_app = typer.Typer(help="Global settings.", no_args_is_help=True)


def init() -> None:
    """Create the database, or bring it to the newest schema."""
    container().migrate()
    typer.echo(f"database ready: {container().engine.url.render_as_string(hide_password=True)}")


def backup(
    destination: Annotated[Path, typer.Argument(help="File to write the copy to.")],
    overwrite: Annotated[bool, typer.Option(help="Replace the file if it exists.")] = False,
) -> None:
    """Write a consistent copy of the live SQLite database (solde may keep running)."""
    from solde.storage.backup import backup_sqlite

    size = backup_sqlite(container().engine, destination, overwrite=overwrite)
    typer.echo(f"backup written: {destination} ({size:,} bytes)")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database, then serve the back office and the REST API (docs at /docs)."""
    import uvicorn

    container().migrate()
    typer.echo(f"solde on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "solde.server:from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 7,
) -> None:
    """Load demonstration data into a database without customers, make sure the demo admin
    of the back office exists, and print an admin API key on the last line. A database that
    has customers but no demo admin holds real books: it is left alone (exit status 1)."""
    import contextlib

    from solde.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
    from solde.domain.errors import DuplicateValue, InvalidState

    container().migrate()
    with unit_of_work(write=False) as uow:
        day = business_today(uow)
    is_demo = container().users.by_email(DEMO_EMAIL) is not None
    summary = load_demo(lambda: container().uow(actor="demo"), today=day, seed=seed)
    if summary is None and not is_demo:
        # Real books (a SOLDE_DATABASE_URL left pointing at production): no published password.
        raise InvalidState(
            "the database already has customers and is not a demo database: nothing was done "
            "(no demo data, no demo user, no key)"
        )
    if summary is None:
        typer.echo("the database already has customers: demo data not loaded")
    else:
        typer.echo(f"demo data loaded: {summary}")
    if not is_demo:
        with contextlib.suppress(DuplicateValue):  # a concurrent `solde demo` made it
            container().users.create(email=DEMO_EMAIL, role=Role.ADMIN, password=DEMO_PASSWORD)
    typer.echo(f"back office: sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
    _key, secret = container().api_keys.create(name="demo", role=Role.ADMIN)
    typer.echo("admin API key (keep it; it is shown once):")
    typer.echo(secret)


@keys.command("create")
def create_key(
    role: Annotated[Role, typer.Option(help="admin, billing or viewer.")],
    name: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
) -> None:
    """Create an API key; the key itself is printed alone on the last line."""
    container().migrate()
    key, secret = container().api_keys.create(name=name, role=role)
    typer.echo(f"created API key {key.id} ({key.name}, {key.role.value}); it is shown only once:")
    typer.echo(secret)


@keys.command("list")
def list_keys(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List API keys (never their secrets)."""
    found = container().api_keys.list()
    rows = [
        {
            "id": k.id,
            "name": k.name,
            "role": k.role.value,
            "prefix": k.prefix,
            "created_at": k.created_at.isoformat(),
            "revoked_at": None if k.revoked_at is None else k.revoked_at.isoformat(),
        }
        for k in found
    ]
    if as_json:
        print_json(rows)
    else:
        print_table(
            None,
            ["id", "name", "role", "prefix", "created_at", "revoked_at"],
            [list(r.values()) for r in rows],
            right=["id"],
        )


@keys.command("revoke")
def revoke_key(key_id: int) -> None:
    """Revoke an API key: it stops working at once."""
    key = container().api_keys.revoke(key_id)
    typer.echo(f"revoked API key {key.id} ({key.name})")


@settings_app.command("show")
def show_settings(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the global settings."""
    with unit_of_work(write=False) as uow:
        data = _settings_data(usecases.get_settings(uow))
    if as_json:
        print_json(data)
        return
    partners = data.pop("partners", [])
    data["dunning"] = _dunning_shown(data["dunning"])
    print_fields(data, title="Settings")
    for partner in partners:
        shown = {key: value for key, value in partner.items() if value not in ("", None)}
        if shown.get("logo"):
            shown["logo"] = f"(image, {len(shown['logo']):,} characters)"
        print_fields({"partner": shown})


def _dunning_shown(dunning: dict[str, Any]) -> dict[str, Any]:
    """The dunning settings as `settings set` takes them: lists as `a,b,c`, and the reminder
    fees one currency at a time (`reminder_fees.EUR=0.00,5.00`)."""
    shown = {name: value for name, value in dunning.items() if name != "reminder_fees"}
    for name in _DUNNING_LISTS:
        shown[name] = ",".join(str(v) for v in shown[name]) or "none"
    for code, fees in dunning["reminder_fees"].items():
        shown[f"reminder_fees.{code}"] = ",".join(fees)
    return shown


def _settings_data(settings: Settings) -> dict[str, Any]:
    """The settings as the API shows them, with the numbering formats and the partners."""
    data = views.settings(settings)
    every = settings.as_dict()
    for name in ("numbering", "partners"):
        data.setdefault(name, every[name])
    return data


def _setting_value(text: str) -> object:
    if text.lower() in ("null", "none", ""):
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lstrip("-").isdigit() and len(text) < 10:
        return int(text)
    return text


@settings_app.command("set", context_settings=NEGATIVE_NUMBERS)
def set_setting(
    name: Annotated[
        str,
        typer.Argument(
            help=(
                "timezone, default_locale, default_currency, lock_date, billing.<setting>, "
                "dunning.<setting> (dunning.reminder_fees.<CURRENCY>), or "
                "numbering.<invoice|credit_note|proforma>."
            )
        ),
    ],
    value: Annotated[
        str,
        typer.Argument(
            help=(
                "The new value ('null' clears the lock date or returns a format to its "
                "default); a list as a,b,c."
            )
        ),
    ],
) -> None:
    """Change one setting, e.g. `solde settings set billing.payment_due_days 30`,
    `solde settings set dunning.reminder_offsets 3,7,14` or
    `solde settings set numbering.invoice 'INV-{year}-{next|4}'`."""
    parsed = _setting_value(value)
    top, _, sub = name.partition(".")
    if name == "billing.credit_limit" or (top == "numbering" and parsed is not None):
        parsed = value
    if top in ("billing", "numbering", "dunning") and not sub:
        raise InvalidInput.single(name, "unknown_field", f"name one of them: {top}.<name>")
    with unit_of_work() as uow:
        if top == "dunning":
            parsed = _dunning_change(uow.settings.get().dunning, sub, value)
            sub, _, currency = sub.partition(".")
            name = ".".join(p for p in ("dunning", sub, currency.upper()) if p)
        changes: dict[str, object] = {top: {sub: parsed}} if sub else {top: parsed}
        updated = usecases.update_settings(
            uow, changes, is_timezone=is_timezone, on=business_today(uow)
        )
        uow.commit()
    shown = _settings_data(updated)[top]
    for part in name.split(".")[1:]:
        shown = shown.get(part) if isinstance(shown, dict) else None
    typer.echo(f"{name} = {json.dumps(shown)}")


#: Dunning settings given as a comma-separated list (`3,7,14`; `null` empties it).
_DUNNING_LISTS = ("holidays", "reminder_offsets")


def _dunning_change(current: DunningSettings, path: str, text: str) -> object:
    """The new value of `dunning.<path>` from the command line: a flag, a code, a list
    `a,b,c`, or one currency's reminder fees (`reminder_fees.EUR 0,5.00,10.00`, kept beside
    the other currencies'; `null` removes them)."""
    name, _, currency = path.partition(".")
    empty = text.strip().lower() in ("", "null", "none")
    if name == "reminder_fees":
        if not currency:
            raise InvalidInput.single(
                "dunning.reminder_fees",
                "unknown_field",
                "name a currency: dunning.reminder_fees.<CURRENCY> AMOUNT,AMOUNT,...",
            )
        fees: dict[str, object] = dict(current.as_dict()["reminder_fees"])
        fees.pop(currency.upper(), None)
        if not empty:
            fees[currency.upper()] = _items(text)
        return fees
    if currency:
        raise InvalidInput.single(f"dunning.{path}", "unknown_field", "is not a dunning setting")
    if name in _DUNNING_LISTS:
        items = [] if empty else _items(text)
        return [_setting_value(i) for i in items] if name == "reminder_offsets" else items
    if name in ("holiday_country", "holiday_subdivision"):
        return None if empty else text  # a code: `01` stays text
    return _setting_value(text)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")]


#: The image types a logo may be, by file extension.
_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml"}  # fmt: skip


def _logo_uri(path: Path) -> str:
    """A logo file as the `data:` URI the settings keep."""
    kind = _LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput.single(
            "logo", "invalid_logo", f"{path.name}: a logo is a .png, .jpg, .jpeg or .svg file"
        )
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput.single(
            "logo", "unreadable", f"cannot read {str(path)!r}: {exc.strerror or exc}"
        ) from None
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


@settings_app.command("partner")
def set_partner(
    partner_id: Annotated[int, typer.Option("--id", help="The partner (selling company) id.")],
    name: Annotated[str | None, typer.Option(help="Company name on documents.")] = None,
    address: Annotated[
        str | None, typer.Option(help="Postal address (may hold new lines).")
    ] = None,
    tax_id: Annotated[str | None, typer.Option(help="VAT or tax number.")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    website: Annotated[str | None, typer.Option()] = None,
    bank_details: Annotated[str | None, typer.Option(help="IBAN, BIC, bank name.")] = None,
    payment_instructions: Annotated[str | None, typer.Option()] = None,
    footer: Annotated[str | None, typer.Option(help="Printed at the bottom of documents.")] = None,
    logo: Annotated[
        Path | None, typer.Option(help="A .png, .jpg or .svg file (at most about 150 kB).")
    ] = None,
    no_logo: Annotated[bool, typer.Option("--no-logo", help="Remove the logo.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Set what a partner shows on its invoices and credit notes; details left out keep their
    value ('' clears one)."""
    changes: dict[str, object] = {
        key: value
        for key, value in {
            "name": name, "address": address, "tax_id": tax_id, "email": email,
            "phone": phone, "website": website, "bank_details": bank_details,
            "payment_instructions": payment_instructions, "footer": footer,
        }.items()
        if value is not None
    }  # fmt: skip
    if logo is not None and no_logo:
        raise InvalidInput.single("logo", "both_given", "give --logo or --no-logo, not both")
    if logo is not None:
        changes["logo"] = _logo_uri(logo)
    if no_logo:
        changes["logo"] = ""
    with unit_of_work() as uow:
        current = usecases.get_settings(uow)
        merged = {**current.partner(partner_id).as_dict(), **changes, "id": partner_id}
        updated = usecases.update_settings(
            uow, {"partners": [merged]}, is_timezone=is_timezone, on=business_today(uow)
        )
        uow.commit()
    data = updated.partner(partner_id).as_dict()
    if as_json:
        print_json(data)
    else:
        typer.echo(f"partner {partner_id} updated ({data['name'] or 'no name'})")
