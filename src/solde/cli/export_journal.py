"""`solde export`: commands filled in by the work on SPEC §11–13."""

from __future__ import annotations

from solde.cli.exports import app

__all__ = ["app"]
