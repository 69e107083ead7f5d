"""E-mail copies of notifications: claim each row, send it, release the claim if sending fails.

The text is rendered in the site's default language: users choose their language per browser
(a cookie), so a background worker has no reader's language to go by.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import mail
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def is_local_path(url: str) -> bool:
    """A path on this site ("/cases/12/"), not a link to another host ("//evil.example", "/\\evil.example")."""
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def _site_url() -> str:
    return str(getattr(settings, "GRIDGOV_SITE_URL", DEFAULT_SITE_URL)).rstrip("/")


def _email_message(notification: Notification, connection) -> mail.EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(notification.text.split())  # a line break in a header is refused
    parts = [notification.body.strip()] if notification.body.strip() else []
    if notification.url and is_local_path(notification.url):
        parts.append(_site_url() + notification.url)
    return mail.EmailMessage(
        subject=subject,
        body="\n\n".join(parts),
        to=[notification.recipient.email],
        connection=connection,
    )


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """E-mail the given notifications to recipients who still want e-mail; return how many were sent.

    Each row is claimed with a conditional update of emailed_at before its message is sent, and
    the claim is released if sending raises. So a task that is delivered twice, or two workers
    holding the same ids, never send a message twice, and an SMTP error leaves the row for the
    retry. The one loss left is a worker killed between the claim and the send: that e-mail is
    not sent, which we prefer to sending duplicates, because the e-mail is only a copy and the
    notification itself is always in the app.
    """
    candidates = list(
        Notification.objects.filter(
            pk__in=notification_ids,
            emailed_at__isnull=True,
            recipient__notify_by_email=True,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")
    )
    if not candidates:
        return 0
    sent = 0
    with mail.get_connection() as connection:
        for notification in candidates:
            claimed_at = timezone.now()
            claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
                emailed_at=claimed_at
            )
            if claimed != 1:
                continue  # another delivery of this task got there first
            try:
                delivered = _email_message(notification, connection).send()
            except Exception:
                Notification.objects.filter(pk=notification.pk, emailed_at=claimed_at).update(emailed_at=None)
                raise
            if delivered:
                sent += 1
            else:
                Notification.objects.filter(pk=notification.pk, emailed_at=claimed_at).update(emailed_at=None)
                logger.warning("E-mail for notification %s was not accepted by the backend", notification.pk)
    return sent
