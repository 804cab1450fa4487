"""The `external_ref` of a row: its key, unique per customer, so that importing a file again
creates nothing new."""

from __future__ import annotations

from solde.imports.report import Faults

REF_LENGTH = 100


class FileKeys:
    """The keys met in one file, to report a key used twice in it."""

    def __init__(self) -> None:
        self._first: dict[tuple[int, str], int] = {}

    def take(self, faults: Faults, line: int, customer_id: int, ref: object) -> str | None:
        """The row's key, or None (a fault recorded) when it is missing, too long, or already
        on an earlier line for the same customer."""
        text = ref.strip() if isinstance(ref, str) else ""
        if not text:
            faults.add(line, "external_ref", "is required: the row's key", "required")
            return None
        if len(text) > REF_LENGTH:
            faults.add(line, "external_ref", f"must be at most {REF_LENGTH} characters", "too_long")
            return None
        key = (customer_id, text)
        if key in self._first:
            faults.add(
                line,
                "external_ref",
                f"{text!r} is already on line {self._first[key]} for this customer",
                "duplicate",
            )
            return None
        self._first[key] = line
        return text
