"""API error responses: a missing and an out-of-scope object give the same translated 404."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NUMBER_TOO_LARGE = _("A number in the request is too large.")


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        # Django's message names the model ("No Resident matches…"), is not translated and
        # says more than "not found"; DRF's own NotFound says just that, in the user's language.
        exc = exceptions.NotFound()
    elif isinstance(exc, OverflowError):
        # An id beyond 64 bits reaches SQLite's driver, which cannot even send it; PostgreSQL
        # simply finds no row. Either way the request is at fault, not the server.
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [NUMBER_TOO_LARGE]})
    return drf_exception_handler(exc, context)
