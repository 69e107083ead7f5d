"""Helpers of the 双报到, co-building and 书记领办 pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ...models import can_edit_party


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _require_edit(user, code: str) -> None:
    if not can_edit_party(user, code):
        raise PermissionDenied(_("Your role may not edit Party records here."))


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_errors(form) -> list[str]:
    return [f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
            for name, errs in form.errors.items()]  # fmt: skip
