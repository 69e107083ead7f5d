"""书记领办 projects: the community's list with progress updates, and the public board (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...forms.service import ProjectUpdateForm, SecretaryProjectForm
from ...models import SecretaryProject, can_edit_party
from ...selectors import service as selectors
from ...services import service as services
from .common import _form_errors, _is_partial, _require_edit


def _prepare_projects(projects) -> list:
    projects = list(projects)
    for project in projects:
        project.secretary_name = selectors.member_display_name(project.secretary)
    return projects


@login_required
@require_http_methods(["GET", "POST"])
def projects(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    can_edit = can_edit_party(request.user, community.code)
    form = SecretaryProjectForm(user=request.user, community=community) if can_edit else None
    if request.method == "POST":
        _require_edit(request.user, community.code)
        form = SecretaryProjectForm(request.POST, user=request.user, community=community)
        if form.is_valid():
            data = dict(form.cleaned_data)
            position = data.pop("position")
            try:
                services.secretary_project_add(actor=request.user, org=position.org, secretary=position.member, **data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The project is started."))
                return redirect("partyorg:projects", code=community.code)
    context = {
        "community": community,
        "projects": _prepare_projects(selectors.secretary_projects(user=request.user, community=community)),
        "can_edit": can_edit,
        "form": form,
        "update_form": ProjectUpdateForm() if can_edit else None,
    }
    return render(request, "partyorg/service/projects.html", context)


@login_required
@require_POST
def project_update_add(request, pk: int):
    project = get_object_or_404(SecretaryProject.objects.visible_to(request.user), pk=pk)
    _require_edit(request.user, project.region_code)
    form = ProjectUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.project_update_add(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            form = None
    if not _is_partial(request):
        if form is not None:
            messages.error(request, " ".join(_form_errors(form)))
        else:
            messages.success(request, _("The progress is recorded."))
        community_code = project.region_code[:12]
        return redirect(reverse("partyorg:projects", kwargs={"code": community_code}) + f"#project-{project.pk}")
    project = _prepare_projects(selectors.secretary_projects(user=request.user).filter(pk=project.pk))[0]
    context = {"project": project, "can_edit": True, "update_form": form or ProjectUpdateForm(), "saved": form is None}
    response = render(request, "partyorg/service/_project_card.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def public_projects(request, code: str):
    """The community's public board of 书记领办 projects; no login, no personal data but the secretary's name."""
    community = selectors.community_get_public(code=code)
    context = {"community": community, "projects": _prepare_projects(selectors.public_projects(community=community))}
    return render(request, "partyorg/service/public_projects.html", context)


urlpatterns = [
    path("projects/<str:code>/", projects, name="projects"),
    path("projects/updates/<int:pk>/add/", project_update_add, name="project_update_add"),
    path("public/<str:code>/projects/", public_projects, name="public_projects"),
]
