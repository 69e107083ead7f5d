"""书记领办项目: projects led by an organisation's secretary, and the progress reported on them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import PartyMember, PartyOrg, Position, PositionTitle, ProjectStatus, ProjectUpdate, SecretaryProject
from .common import _not_in_future, require_edit


def holds_secretary(member: PartyMember, org: PartyOrg, on: dt.date | None = None) -> bool:
    return Position.objects.current(on).filter(member=member, org=org, title=PositionTitle.SECRETARY).exists()


@transaction.atomic
def secretary_project_add(
    *,
    actor,
    org: PartyOrg,
    secretary: PartyMember,
    title: str,
    goal: str,
    started_on: dt.date | None = None,
    due_on: dt.date | None = None,
    is_public: bool = True,
) -> SecretaryProject:
    """Start a project led by the secretary of an organisation (书记领办)."""
    require_edit(actor, org.region_code)
    errors: dict[str, list[str]] = {}
    started_on = started_on or timezone.localdate()
    if not holds_secretary(secretary, org):
        errors.setdefault("secretary", []).append(
            _("%(name)s is not the current secretary (书记) of %(org)s.") % {"name": secretary, "org": org.name}
        )
    if due_on is not None and due_on < started_on:
        errors.setdefault("due_on", []).append(_("A project cannot be due before it starts."))
    if errors:
        raise ValidationError(errors)
    project = SecretaryProject(
        org=org,
        region_code=org.region_code,
        secretary=secretary,
        title=(title or "").strip(),
        goal=(goal or "").strip(),
        started_on=started_on,
        due_on=due_on,
        is_public=is_public,
    )
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update_add(*, actor, project: SecretaryProject, date: dt.date, progress: int, note: str) -> ProjectUpdate:
    """Report progress on a project; 100 % finishes it, a step back needs its note to say why."""
    require_edit(actor, project.region_code)
    project = SecretaryProject.objects.select_for_update().get(pk=project.pk)
    errors: dict[str, list[str]] = {}
    if project.status == ProjectStatus.STOPPED:
        raise ValidationError(_("This project has been stopped; it takes no more updates."))
    if date is None:
        errors.setdefault("date", []).append(_("Give the date of the update."))
    else:
        _not_in_future(date, "date", errors)
        if date < project.started_on:
            errors.setdefault("date", []).append(_("This date is before the project started."))
    if progress is None or not (0 <= int(progress) <= 100):
        errors.setdefault("progress", []).append(_("Progress is a percentage from 0 to 100."))
    note = (note or "").strip()
    if not note:
        if progress is not None and int(progress) < project.progress:
            errors.setdefault("note", []).append(_("Progress went back; say why."))
        else:
            errors.setdefault("note", []).append(_("Say what happened."))
    if errors:
        raise ValidationError(errors)
    update = ProjectUpdate(project=project, date=date, progress=int(progress), note=note)
    update.full_clean()
    update.save()
    # The project shows its latest report, even when an older one is entered late.
    latest = project.updates.order_by("-date", "-id").first()
    project.progress = latest.progress
    if project.progress >= 100:
        project.status = ProjectStatus.DONE
    elif project.progress > 0 or project.status == ProjectStatus.DONE:
        project.status = ProjectStatus.UNDER_WAY
    project.full_clean()
    project.save(update_fields=["progress", "status"])
    return update
