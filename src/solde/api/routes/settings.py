"""Global settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from solde import views
from solde.api.context import Caller, admin, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.settings import SettingsOut, SettingsUpdate
from solde.bootstrap import is_timezone
from solde.ledger import usecases

router = APIRouter(prefix="/v1/settings", tags=["settings"], route_class=ExactJSONRoute)


@router.get("", response_model=SettingsOut, summary="Get the settings")
def get_settings(caller: Caller = Depends(reader)) -> SettingsOut:
    """Business time zone, default locale and currency, lock date, default billing settings."""
    with caller.uow(write=False) as uow:
        return SettingsOut.model_validate(views.settings(usecases.get_settings(uow)))


@router.put("", response_model=SettingsOut, summary="Change the settings")
def put_settings(body: SettingsUpdate, caller: Caller = Depends(admin)) -> SettingsOut:
    """Change settings (admin only). Omitted settings keep their value."""
    with caller.uow() as uow:
        updated = usecases.update_settings(
            uow, body.values(), is_timezone=is_timezone, on=caller.today(uow)
        )
        uow.commit()
    return SettingsOut.model_validate(views.settings(updated))
