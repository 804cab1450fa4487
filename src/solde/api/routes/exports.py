"""/v1/exports: filled in by the work on SPEC §11–13."""

from __future__ import annotations

from fastapi import APIRouter

from solde.api.exact_json import ExactJSONRoute

router = APIRouter(prefix="/v1/exports", tags=["exports"], route_class=ExactJSONRoute)
