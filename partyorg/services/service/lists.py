"""The three lists (一书三单: resources, needs, service projects): add, match a need to a resource, make a project."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grids.models import Region

from ...models import CoBuildingUnit, ListItem, ListItemStatus, ListKind
from .common import _check_community, require_edit

# Statuses from which an item may still be matched or turned into a project.
MATCHABLE_STATUSES = frozenset({ListItemStatus.OPEN, ListItemStatus.MATCHED})
UNIT_KINDS = frozenset({ListKind.RESOURCE, ListKind.PROJECT})


def _check_unit(kind: str, unit: CoBuildingUnit | None, community: Region) -> None:
    if unit is None:
        if kind in UNIT_KINDS:
            raise ValidationError(
                {"unit": _("Name the co-building unit that offers the resource or runs the project.")}
            )
        return
    if unit.community_id != community.pk:
        raise ValidationError({"unit": _("This co-building unit belongs to another community.")})


@transaction.atomic
def list_item_add(
    *,
    actor,
    community: Region,
    kind: str,
    title: str,
    description: str = "",
    unit: CoBuildingUnit | None = None,
) -> ListItem:
    """Put an item on one of the three lists (resources, needs, service projects)."""
    _check_community(community)
    require_edit(actor, community.code)
    if kind not in ListKind.values:
        raise ValidationError({"kind": _("Choose one of the three lists.")})
    _check_unit(kind, unit, community)
    item = ListItem(
        kind=kind,
        community=community,
        region_code=community.code,
        unit=unit,
        title=(title or "").strip(),
        description=(description or "").strip(),
    )
    item.full_clean()
    item.save()
    return item


def _lock_items(*items: ListItem) -> list[ListItem]:
    locked = ListItem.objects.select_for_update().in_bulk([item.pk for item in items])
    return [locked[item.pk] for item in items]


def _check_pair(need: ListItem, resource: ListItem) -> None:
    if need.kind != ListKind.NEED:
        raise ValidationError({"need": _("This item is not on the needs list.")})
    if resource.kind != ListKind.RESOURCE:
        raise ValidationError({"resource": _("This item is not on the resources list.")})
    if need.community_id != resource.community_id:
        raise ValidationError({"resource": _("This resource belongs to another community.")})


@transaction.atomic
def need_match(*, actor, need: ListItem, resource: ListItem) -> tuple[ListItem, ListItem]:
    """Match an open need to an open resource of the same community: both become "matched"."""
    require_edit(actor, need.region_code)
    _check_pair(need, resource)
    need, resource = _lock_items(need, resource)
    if need.status != ListItemStatus.OPEN:
        raise ValidationError({"need": _("Only an open need can be matched (this one is “%(status)s”).")
                               % {"status": need.get_status_display()}})  # fmt: skip
    if resource.status != ListItemStatus.OPEN:
        raise ValidationError({"resource": _("Only an open resource can be matched (this one is “%(status)s”).")
                               % {"status": resource.get_status_display()}})  # fmt: skip
    need.status = ListItemStatus.MATCHED
    resource.status = ListItemStatus.MATCHED
    resource.need = need  # the resource answers the need
    need.full_clean()
    resource.full_clean()
    need.save(update_fields=["status"])
    resource.save(update_fields=["status", "need"])
    return need, resource


@transaction.atomic
def project_from_need(
    *,
    actor,
    need: ListItem,
    resource: ListItem,
    title: str | None = None,
    unit: CoBuildingUnit | None = None,
) -> ListItem:
    """Turn a need and the resource answering it into a service project; both are then in progress."""
    require_edit(actor, need.region_code)
    _check_pair(need, resource)
    need, resource = _lock_items(need, resource)
    if need.status not in MATCHABLE_STATUSES:
        raise ValidationError({"need": _("This need is “%(status)s”; only an open or matched need becomes a project.")
                               % {"status": need.get_status_display()}})  # fmt: skip
    if resource.status not in MATCHABLE_STATUSES:
        raise ValidationError(
            {"resource": _("This resource is “%(status)s”; only an open or matched resource can be used.")
             % {"status": resource.get_status_display()}}
        )  # fmt: skip
    if resource.status == ListItemStatus.MATCHED and resource.need_id not in (None, need.pk):
        raise ValidationError({"resource": _("This resource is matched to another need.")})
    community = need.community
    unit = unit or resource.unit
    _check_unit(ListKind.PROJECT, unit, community)
    project = ListItem(
        kind=ListKind.PROJECT,
        community=community,
        region_code=need.region_code,
        unit=unit,
        title=(title or need.title).strip(),
        description=need.description,
        status=ListItemStatus.IN_PROGRESS,
        need=need,
        resource=resource,
    )
    project.full_clean()
    project.save()
    need.status = ListItemStatus.IN_PROGRESS
    need.save(update_fields=["status"])
    resource.status = ListItemStatus.IN_PROGRESS
    resource.need = need
    resource.save(update_fields=["status", "need"])
    return project


@transaction.atomic
def list_item_set_status(*, actor, item: ListItem, status: str) -> ListItem:
    """Set an item's status by hand (done, withdrawn, reopened); a finished project closes its need."""
    require_edit(actor, item.region_code)
    if status not in ListItemStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    item = ListItem.objects.select_for_update().get(pk=item.pk)
    if item.status == status:
        return item
    if status == ListItemStatus.MATCHED:
        raise ValidationError({"status": _("Match a need to a resource to mark them matched.")})
    fields = ["status"]
    if status == ListItemStatus.OPEN and item.kind == ListKind.RESOURCE and item.need_id:
        item.need = None  # reopening a resource frees it from the need it answered
        fields.append("need")
    item.status = status
    item.full_clean()
    item.save(update_fields=fields)
    if item.kind == ListKind.PROJECT and status == ListItemStatus.DONE and item.need_id:
        ListItem.objects.filter(pk=item.need_id, status=ListItemStatus.IN_PROGRESS).update(status=ListItemStatus.DONE)
    return item
