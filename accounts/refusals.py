"""The refusal page (403) that views render when they can say why."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def refusal_response(
    request: HttpRequest, message: str = "", *, back_url: str = "", back_label: str = ""
) -> HttpResponse:
    """403 on the shared page, with the reason and, when given, a way back to the object."""
    context = {"message": str(message), "back_url": back_url, "back_label": back_label}
    return render(request, "403.html", context, status=403)
