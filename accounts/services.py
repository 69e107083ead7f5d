"""Writes for accounts: assignments and the login throttle."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Assignment, LoginFailure, User
from .scoping import clear_scope_cache


@transaction.atomic
def assignment_create(
    *, user: User, role: str, region=None, start_date: dt.date | None = None, end_date: dt.date | None = None
) -> Assignment:
    assignment = Assignment(
        user=user, role=role, region=region, start_date=start_date or timezone.localdate(), end_date=end_date
    )
    assignment.full_clean()
    assignment.save()
    clear_scope_cache(user)
    return assignment


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def username_normalise(username: object) -> str:
    """The account name a door authenticates: NFKC-normalised, without surrounding whitespace.

    Every door (login page, admin login, API token) passes its name through the authentication
    backend, which uses this, so " volunteer" and "volunteer\n" reach the account "volunteer".
    """
    return unicodedata.normalize("NFKC", str(username or "")).strip()


def _failure_key(username: object) -> str:
    # Names are looked up case-sensitively, but failures are counted case-insensitively: changing
    # the case of a name never buys more guesses.
    return username_normalise(username).casefold()[:150]


def login_is_locked(*, username: object, ip_address: str | None) -> bool:
    """True when this account name, or this address, failed too often in the window."""
    recent = LoginFailure.objects.filter(created_at__gte=_window_start())
    limit = settings.LOGIN_MAX_FAILURES
    key = _failure_key(username)
    if key and recent.filter(username=key).count() >= limit:
        return True
    # An address may try several names, but not endlessly.
    return bool(ip_address and recent.filter(ip_address=ip_address).count() >= limit * 4)


def login_failure_record(*, username: object, ip_address: str | None) -> None:
    LoginFailure.objects.create(username=_failure_key(username), ip_address=ip_address)


def login_failures_purge() -> int:
    """Delete failures older than the lockout window (they no longer count); return how many."""
    deleted, _by_model = LoginFailure.objects.filter(created_at__lt=_window_start()).delete()
    return deleted


def login_success_record(*, username: object) -> None:
    LoginFailure.objects.filter(username=_failure_key(username)).delete()


def client_ip(request) -> str | None:
    """The client's address; behind a trusted reverse proxy, the hop that proxy saw."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # nginx appends the address it saw; anything to its left came from the client.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None
