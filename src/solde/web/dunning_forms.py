"""The Dunning section of the settings form: working days, holidays, reminder offsets and
fees, as an administrator types them and back.

Lists are typed as text: holidays one date per line, reminder offsets as `3, 7, 14`, fees one
line per currency (`EUR: 0, 5.00, 10.00`, amounts in the user's locale; in a locale whose
decimal sign is a comma, `EUR: 0; 5,00; 10,00`). Only the settings that differ from those in
force are sent, and the errors the settings use case raises on an item of a list
(`dunning.holidays.3`) are shown next to the list's input, naming the item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from solde.domain.errors import FieldError, InvalidInput
from solde.ledger.dunning_settings import DunningSettings, countries, subdivisions
from solde.web.formatting import Format, babel_locale, parse_number
from solde.web.forms import Form, whole_number

PREFIX = "dunning."
FLAGS = ("block_on_weekends", "block_on_holidays")
HOLIDAYS = f"{PREFIX}holidays"
OFFSETS = f"{PREFIX}reminder_offsets"
FEES = f"{PREFIX}reminder_fees"
#: Offsets are separated by commas, semicolons or spaces.
_OFFSET_SEPARATORS = re.compile(r"[,;\s]+")
#: Fees by a semicolon, or a comma followed by a space (a comma alone may be a decimal sign).
_FEE_SEPARATORS = re.compile(r";|,\s+")
_FEE_LINE = re.compile(r"\s*([A-Za-z]{3})\s*:(.*)")
#: Most lines the holidays and fees inputs are read from (the settings allow 2,000 dates).
MAX_LINES = 2100


def fee_separator(fmt: Format) -> str:
    """How the fees of one currency are separated in the user's locale."""
    return "; " if fmt.decimal_symbol == "," else ", "


def initial(settings: DunningSettings, fmt: Format) -> dict[str, str]:
    """The dunning settings in force, as the form shows them."""
    sep = fee_separator(fmt)
    values = {f"{PREFIX}{name}": "on" if getattr(settings, name) else "" for name in FLAGS}
    values[f"{PREFIX}holiday_country"] = settings.holiday_country or ""
    values[f"{PREFIX}holiday_subdivision"] = settings.holiday_subdivision or ""
    values[HOLIDAYS] = "\n".join(d.isoformat() for d in settings.holidays)
    values[OFFSETS] = ", ".join(str(n) for n in settings.reminder_offsets)
    values[FEES] = "\n".join(
        f"{code}: {sep.join(fmt.plain(amount) for amount in fees)}"
        for code, fees in sorted(settings.reminder_fees.items())
    )
    return values


def country_options(fmt: Format, current: str | None) -> list[tuple[str, str]]:
    """The countries with a holiday calendar, by their two-letter code, named in the user's
    language (the calendar also knows three-letter codes: the one in force is kept)."""
    names = babel_locale(fmt.code).territories
    codes = sorted(c for c in countries() if len(c) == 2 or c == current)
    options = [(code, f"{names.get(code, code)} ({code})") for code in codes]
    return sorted(options, key=lambda option: option[1])


def subdivision_hint(country: str | None) -> str:
    """What the subdivision input may hold for the country in force."""
    if not country:
        return "Choose a country first; empty: the whole country"
    known = subdivisions(country)
    if not known:
        return f"{country} has no subdivisions"
    shown = ", ".join(known[:40]) + (", …" if len(known) > 40 else "")
    return f"Empty: the whole country; for {country}: {shown}"


def changes(
    form: Form, current: DunningSettings, locale: str
) -> tuple[dict[str, Any], list[FieldError]]:
    """The dunning settings that differ from those in force, and the inputs that could not
    be read (their errors name the input)."""
    found: dict[str, Any] = {}
    faults: list[FieldError] = []
    for name in FLAGS:
        ticked = form.get(f"{PREFIX}{name}") in ("on", "true", "1")
        if ticked != getattr(current, name):
            found[name] = ticked
    for name in ("holiday_country", "holiday_subdivision"):
        typed = form.get(f"{PREFIX}{name}").strip()
        if typed.upper() != (getattr(current, name) or "").upper():
            found[name] = typed or None
    holidays = _lines(form.get(HOLIDAYS))
    if holidays != [d.isoformat() for d in current.holidays]:
        found["holidays"] = holidays
    offsets = [whole_number(t) for t in _OFFSET_SEPARATORS.split(form.get(OFFSETS)) if t]
    if offsets != list(current.reminder_offsets):
        found["reminder_offsets"] = offsets
    try:
        fees = _fees(form.get(FEES), locale)
    except InvalidInput as exc:
        faults.extend(exc.errors)
    else:
        if not _same_fees(fees, current.reminder_fees):
            found["reminder_fees"] = fees
    return found, faults


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()[:MAX_LINES] if line.strip()]


def _fees(text: str, locale: str) -> dict[str, list[str]]:
    """`EUR: 0, 5.00, 10.00` lines as {currency: [amount, …]} (amounts as canonical text)."""
    fees: dict[str, list[str]] = {}
    problems: list[str] = []
    for number, line in enumerate(_lines(text), start=1):
        matched = _FEE_LINE.fullmatch(line)
        if matched is None:
            problems.append(f"line {number} must be like “EUR: 0, 5.00, 10.00”")
            continue
        code, rest = matched.group(1).upper(), matched.group(2)
        if code in fees:
            problems.append(f"line {number}: {code} is given twice")
            continue
        amounts = []
        for level, typed in enumerate(_FEE_SEPARATORS.split(rest.strip()) if rest.strip() else []):
            try:
                amounts.append(parse_number(typed, locale, field=FEES))
            except InvalidInput as exc:
                problems.append(f"{code}, level {level + 1}: {exc.errors[0].message}")
        fees[code] = amounts
    if problems:
        raise InvalidInput.single(FEES, "invalid", "; ".join(problems[:3]))
    return fees


def _same_fees(typed: dict[str, list[str]], current: dict[str, tuple[Decimal, ...]]) -> bool:
    try:
        amounts = {code: [Decimal(a) for a in fees] for code, fees in typed.items()}
    except InvalidOperation:
        return False
    return amounts == {code: list(fees) for code, fees in current.items()}


def renamed(exc: InvalidInput, sent: dict[str, Any]) -> InvalidInput:
    """The errors about one item of a list (`dunning.holidays.3`, `dunning.reminder_fees.EUR.1`)
    as errors of the list's input, naming the item as it was typed."""
    errors = []
    for e in exc.errors:
        errors.append(_item_error(e, sent) if e.field.startswith(PREFIX) else e)
    return InvalidInput(errors)


def _item_error(error: FieldError, sent: dict[str, Any]) -> FieldError:
    name, _, item = error.field.removeprefix(PREFIX).partition(".")
    field = f"{PREFIX}{name}"
    if not item:
        return error
    if name in ("holidays", "reminder_offsets"):
        typed = _at(sent.get(name, []), item)
        return FieldError(field, error.code, f"“{typed}” {error.message}")
    if name == "reminder_fees":
        code, _, level = item.partition(".")
        where = code if not level.isdigit() else f"{code}, level {int(level) + 1}"
        return FieldError(field, error.code, f"{where}: {error.message}")
    return FieldError(field, error.code, error.message)


def _at(values: Sequence[object], index: str) -> object:
    if index.isdigit() and int(index) < len(values):
        return values[int(index)]
    return index
