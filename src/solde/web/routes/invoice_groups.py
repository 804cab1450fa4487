"""Invoice groups: the list of groups, a new group, and a group's invoices (the invoices list
filtered by the group, with its bulk actions)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde.billing import groups
from solde.domain.errors import SoldeError
from solde.statuses import status_of
from solde.web.context import Viewer, signed_in, writer
from solde.web.forms import Form
from solde.web.render import done, render
from solde.web.routes.invoices import list_page

router = APIRouter()


def _groups_page(request: Request, viewer: Viewer, form: Form, status: int = 200) -> Response:
    with viewer.uow() as uow:
        return render(
            request,
            "groups/list.html",
            viewer=viewer,
            fmt=viewer.format(uow),
            status=status,
            groups=groups.list_groups(uow),
            form=form,
        )


@router.get("/invoice-groups", include_in_schema=False)
def group_list(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Every invoice group with how many invoices it holds."""
    return _groups_page(request, viewer, Form())


@router.post("/invoice-groups", include_in_schema=False)
def create_group(
    request: Request, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """A new, empty group (invoices are added from the invoices list)."""
    viewer, data = posted
    form = Form.typed(data)
    try:
        with viewer.uow(write=True) as uow:
            group = groups.create_group(uow, {"name": form.get("name")})
            uow.commit()
    except SoldeError as exc:
        return _groups_page(request, viewer, form.failed(exc), status=status_of(exc))
    return done(
        request, f"Group {group.name} created.", to=f"/invoice-groups/{group.id}", viewer=viewer
    )


@router.get("/invoice-groups/{group_id}", include_in_schema=False)
def group_page(request: Request, group_id: int, viewer: Viewer = Depends(signed_in)) -> Response:
    """The group's invoices, filtered and paged like the invoices list, with its bulk actions."""
    return list_page(request, viewer, base=f"/invoice-groups/{group_id}", group_id=group_id)
