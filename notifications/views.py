"""HTML pages of the notification centre and the bell in the navigation bar.

A user only ever sees their own notifications: anyone else's id answers 404, exactly like a
missing one. Writes go through notifications.services.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import Notification

NOTIFICATIONS_PER_PAGE = 30
BELL_SIZE = 5
# htmx stops polling an element whose request answers with this status.
HTMX_STOP_POLLING = 286
# Sent with every change of the read state, so the bell refreshes without waiting for its next poll.
CHANGED_EVENT = "notifications-changed"


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _login_required_polling(view):
    """login_required, except that a poll from an expired session stops polling.

    Otherwise htmx would follow the redirect and put the whole login page into the navigation bar.
    """
    protected = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _is_partial(request) and not request.user.is_authenticated:
            return HttpResponse(status=HTMX_STOP_POLLING)
        return protected(request, *args, **kwargs)

    return wrapper


def _get_notification_for_user(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)


def _mark_read(request: HttpRequest, pk: int) -> None:
    try:
        services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if services.is_local_path(target) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return fallback


@login_required
def notification_list(request):
    show = "unread" if request.GET.get("show") == "unread" else "all"
    own = Notification.objects.visible_to(request.user)
    unread_count = own.unread().count()
    notifications = own.unread() if show == "unread" else own
    notifications = notifications.order_by(
        Case(When(read_at__isnull=True, then=0), default=1, output_field=IntegerField()), "-created_at", "-id"
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "show": show, "unread_count": unread_count},
    )


@login_required
@require_GET
def notification_open(request, pk: int):
    """Mark the notification read and go to the page it is about (only ever a page of this site)."""
    notification = _get_notification_for_user(request, pk)
    _mark_read(request, notification.pk)
    url = notification.url
    if url and services.is_local_path(url) and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return redirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_read(request, pk: int):
    _mark_read(request, pk)
    if not _is_partial(request):
        return redirect(_safe_next(request, "notifications:list"))
    notification = _get_notification_for_user(request, pk)
    response = render(request, "notifications/_item.html", {"notification": notification})
    response["HX-Trigger"] = CHANGED_EVENT
    return response


def _bell_context(user) -> dict:
    unread = Notification.objects.visible_to(user).unread()
    return {
        "unread_count": unread.count(),
        "latest": list(unread.order_by("-created_at", "-id")[:BELL_SIZE]),
    }


@login_required
@require_POST
def notifications_mark_all_read(request):
    """Mark everything read; from the bell (htmx) answer the refreshed bell, else go back to the list."""
    count = services.notifications_mark_all_read(user=request.user)
    if _is_partial(request):
        # The bell swaps this answer in itself, so no change event (that would make it load twice).
        return render(request, "notifications/_bell.html", _bell_context(request.user))
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification has been marked as read.",
                "%(count)d notifications have been marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect(_safe_next(request, "notifications:list"))


@login_required
@require_POST
def notification_email_preference(request):
    """Turn e-mail copies on or off from the list page."""
    enabled = request.POST.get("notify_by_email") == "on"
    try:
        services.notification_email_preference_set(user=request.user, enabled=enabled)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if enabled:
            messages.success(
                request, _("A copy of each notification will be sent to %(email)s.") % {"email": request.user.email}
            )
        else:
            messages.success(request, _("Notifications are no longer sent by e-mail."))
    return redirect("notifications:list")


@never_cache
@_login_required_polling
@require_GET
def notification_bell(request):
    """The bell with the unread count and the newest unread notifications, for htmx to poll."""
    if not _is_partial(request):
        return redirect("notifications:list")
    response = render(request, "notifications/_bell.html", _bell_context(request.user))
    patch_vary_headers(response, ["HX-Request"])
    return response
