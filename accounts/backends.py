"""The authentication backend every password goes through, whichever door it came in by."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from .services import client_ip, login_failure_record, login_is_locked, login_success_record, username_normalise


class ThrottledModelBackend(ModelBackend):
    """Django's model backend with one normalised name and one lockout for every door.

    The login page, the admin login and the API token endpoint all call `authenticate()`, so the
    name is normalised here (never by each door on its own) and each failure is counted against
    the account it would have opened. A locked account or address raises `PermissionDenied`,
    which stops `authenticate()` before any other backend is asked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = username_normalise(username)
        ip_address = client_ip(request) if request is not None else None
        if login_is_locked(username=username, ip_address=ip_address):
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password)
        if user is None:
            login_failure_record(username=username, ip_address=ip_address)
        else:
            login_success_record(username=username)
        return user
