"""/v1/imports: filled in by the work on SPEC §11–13."""

from __future__ import annotations

from fastapi import APIRouter

from solde.api.exact_json import ExactJSONRoute

router = APIRouter(prefix="/v1/imports", tags=["imports"], route_class=ExactJSONRoute)
