"""Desktop pages: case list, case detail with timeline and actions, dispatch board, department inbox, print view."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path

from ..models import Case


@login_required
def case_detail(request, pk: int):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    return render(request, "cases/detail.html", {"case": case})


urlpatterns = [
    path("<int:pk>/", case_detail, name="detail"),
]
