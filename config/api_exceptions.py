"""API error responses: a missing and an out-of-scope object give the same translated 404."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        # Django's message names the model ("No Resident matches…"), is not translated and
        # says more than "not found"; DRF's own NotFound says just that, in the user's language.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
