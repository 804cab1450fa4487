"""What `POST /v1/imports/{kind}` answers: the import's report."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RowErrorOut(BaseModel):
    """One fault of the file."""

    line: int | None = Field(
        description="Physical line of the file (the header is line 1); null for the whole file."
    )
    column: str | None = Field(description="Header name of the cell at fault; null for the row.")
    code: str = Field(examples=["not_a_number"])
    message: str = Field(examples=["'12,3,4' is not a number"])


class ImportReportOut(BaseModel):
    """What the import created, updated and skipped (already there, unchanged); in a dry run,
    what it would do. Every row is kept, or none."""

    kind: str = Field(examples=["transactions"])
    dry_run: bool
    rows: int = Field(description="Data rows in the file (empty lines aside).")
    created: int
    updated: int = Field(description="Customers whose values differed (customers files only).")
    skipped: int = Field(
        description="Rows already imported (same external_ref), identical customers, zero "
        "opening balances."
    )
    error_count: int
    errors: list[RowErrorOut]
