"""Global settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from solde import views
from solde.api.context import Caller, admin, reader
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.settings import SettingsOut, SettingsUpdate
from solde.bootstrap import is_timezone
from solde.ledger import usecases
from solde.ledger.settings import DEFAULT_NUMBERING, Settings

router = APIRouter(prefix="/v1/settings", tags=["settings"], route_class=ExactJSONRoute)


def present(settings: Settings) -> SettingsOut:
    """The settings, with the numbering format of every document kind and the partners."""
    shown = views.settings(settings)
    shown["numbering"] = {**DEFAULT_NUMBERING, **shown["numbering"]}
    return SettingsOut.model_validate(shown)


@router.get("", response_model=SettingsOut, summary="Get the settings")
def get_settings(caller: Caller = Depends(reader)) -> SettingsOut:
    """Business time zone, default locale and currency, lock date, default billing settings,
    numbering formats and partners."""
    with caller.uow(write=False) as uow:
        return present(usecases.get_settings(uow))


@router.put("", response_model=SettingsOut, summary="Change the settings")
def put_settings(body: SettingsUpdate, caller: Caller = Depends(admin)) -> SettingsOut:
    """Change settings (admin only). Omitted settings keep their value; `numbering` changes the
    formats it names; each of `partners` replaces the partner of its id."""
    with caller.uow() as uow:
        updated = usecases.update_settings(
            uow, body.values(), is_timezone=is_timezone, on=caller.today(uow)
        )
        uow.commit()
    return present(updated)
