"""Document numbers from a format (SPEC §5): `{year}{partner_id|2}{next|6}` -> `202703000001`.

Tokens: `{year}`, `{month|2}`, `{day|2}` of the document date, `{partner_id|N}` (zero-padded
to N), `{customer_id}`, `{next|N}` (the sequence, zero-padded to N). Any token may carry a
width (`{customer_id|8}`); `{year}` is always four digits. The sequence is counted per distinct
rendering of the rest of the format (the *sequence key*): a format with `{year}` restarts every
year, one with `{partner_id}` counts per partner. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from solde.domain.errors import InvalidInput

TOKENS = ("year", "month", "day", "partner_id", "customer_id", "next")
MAX_FORMAT = 60
MAX_WIDTH = 12
#: Longest number a rendering may give (the column holds 40 characters).
MAX_NUMBER = 40
_TOKEN = re.compile(r"\{([a-z_]+)(?:\|([0-9]+))?\}")
_LITERAL = re.compile(r"[A-Za-z0-9/_.\- #]*")
#: What stands for the sequence in a sequence key.
NEXT_MARK = "{next}"  # literal text cannot hold braces, so this never clashes


@dataclass(frozen=True, slots=True)
class Token:
    """One `{name|width}` of a format."""

    name: str
    width: int


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """A validated numbering format: literal text and tokens, with exactly one `{next}`."""

    text: str
    parts: tuple[str | Token, ...]

    @classmethod
    def parse(cls, value: object, *, field: str) -> NumberFormat:
        """Check a format as typed in settings; every fault names `field`."""
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput.single(field, "required", "must be a numbering format")
        text = value.strip()
        if len(text) > MAX_FORMAT:
            raise InvalidInput.single(field, "too_long", f"must be at most {MAX_FORMAT} characters")
        parts: list[str | Token] = []
        position = 0
        for match in _TOKEN.finditer(text):
            parts.extend(_literal(text[position : match.start()], field))
            parts.append(_token(match, field))
            position = match.end()
        parts.extend(_literal(text[position:], field))
        if sum(1 for p in parts if isinstance(p, Token) and p.name == "next") != 1:
            raise InvalidInput.single(
                field, "missing_next", "must hold {next} (or {next|N}) exactly once"
            )
        _check_unambiguous(parts, field)
        longest = sum(len(p) if isinstance(p, str) else _longest(p) for p in parts)
        if longest > MAX_NUMBER:
            raise InvalidInput.single(
                field,
                "too_long",
                f"renders numbers of up to {longest} characters; a number holds at most "
                f"{MAX_NUMBER}",
            )
        return cls(text, tuple(parts))

    def key(self, *, day: date, partner_id: int, customer_id: int) -> str:
        """The sequence key: the rendering with the sequence left out. Documents whose keys
        are equal share one sequence."""
        return self._render(day, partner_id, customer_id, NEXT_MARK)

    def render(self, *, day: date, partner_id: int, customer_id: int, next_value: int) -> str:
        """The number of the `next_value`-th document of its sequence."""
        return self._render(day, partner_id, customer_id, str(next_value))

    def _render(self, day: date, partner_id: int, customer_id: int, next_text: str) -> str:
        values = {
            "year": f"{day.year:04d}",
            "month": str(day.month),
            "day": str(day.day),
            "partner_id": str(partner_id),
            "customer_id": str(customer_id),
        }
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.name == "next":
                out.append(next_text if next_text == NEXT_MARK else next_text.zfill(part.width))
            else:
                out.append(values[part.name].zfill(part.width))
        return "".join(out)


#: The most digits each token renders without a width, for the length check of a format: up to
#: a trillion customers, ten billion documents in a sequence, partners up to 9999. A number
#: that still comes out longer is refused when it is taken.
_DIGITS = {"year": 4, "month": 2, "day": 2, "partner_id": 4, "customer_id": 12, "next": 10}


def _longest(token: Token) -> int:
    return max(token.width, _DIGITS[token.name])


def _check_unambiguous(parts: list[str | Token], field: str) -> None:
    """Two tokens side by side must not both be unpadded: `INV{month}{next}` renders INV112
    for January's 12th and November's 2nd invoice, and one sequence would have to skip."""
    for left, right in pairwise(parts):
        if (
            isinstance(left, Token)
            and isinstance(right, Token)
            and left.width < 2
            and right.width < 2
        ):
            raise InvalidInput.single(
                field,
                "ambiguous",
                f"{{{left.name}}}{{{right.name}}} can render one number for two sequences; "
                "pad one of them (e.g. {month|2}, {next|5}) or put text between them",
            )


def _literal(text: str, field: str) -> list[str]:
    if not text:
        return []
    if "{" in text or "}" in text:
        raise InvalidInput.single(
            field, "unknown_token", f"has a token solde does not know; tokens: {_names()}"
        )
    if not _LITERAL.fullmatch(text):
        raise InvalidInput.single(
            field,
            "bad_character",
            "literal text may hold letters, digits, spaces and - _ . / # only",
        )
    return [text]


def _token(match: re.Match[str], field: str) -> Token:
    name, width = match.group(1), match.group(2)
    if name not in TOKENS:
        raise InvalidInput.single(
            field, "unknown_token", f"{{{name}}} is not a token; tokens: {_names()}"
        )
    size = int(width) if width is not None else (4 if name == "year" else 1)
    if not 1 <= size <= MAX_WIDTH:
        raise InvalidInput.single(field, "bad_width", f"a width must be between 1 and {MAX_WIDTH}")
    return Token(name, size)


def _names() -> str:
    return ", ".join("{" + t + "}" for t in TOKENS)


def check_number(value: object, *, field: str = "number") -> str:
    """A document number typed by hand: printable, no surrounding spaces, at most 40."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput.single(field, "required", "must not be empty")
    text = value.strip()
    if len(text) > MAX_NUMBER:
        raise InvalidInput.single(field, "too_long", f"must be at most {MAX_NUMBER} characters")
    if not text.isprintable():
        raise InvalidInput.single(field, "bad_character", "contains a control character")
    return text
