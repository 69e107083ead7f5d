"""Writes for notifications: create them (with an optional e-mail copy), mark them read, send the e-mails."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Notification

logger = logging.getLogger(__name__)

# Rows per INSERT; the deadline sweep may notify thousands of users at once.
CREATE_BATCH_SIZE = 1000
# Recipient ids per look-up of who wants e-mail (kept well under SQLite's 32766 bound parameters).
LOOKUP_CHUNK_SIZE = 10_000
# Notification ids per e-mail task: small enough that a retry redoes little, large enough to share a connection.
EMAIL_TASK_SIZE = 200
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def is_local_path(url: str) -> bool:
    """A path on this site ("/cases/12/"), not a link to another host ("//evil.example", "/\\evil.example")."""
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def _email_wanted(recipient_ids: list[int]) -> set[int]:
    """Those of the recipients who asked for an e-mail copy and have an address to send it to."""
    wanted: set[int] = set()
    for start in range(0, len(recipient_ids), LOOKUP_CHUNK_SIZE):
        chunk = recipient_ids[start : start + LOOKUP_CHUNK_SIZE]
        wanted.update(
            User.objects.filter(pk__in=chunk, notify_by_email=True, is_active=True)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
    return wanted


def _enqueue_emails(notification_ids: list[int]) -> None:
    from .tasks import send_emails  # the task module imports this one

    send_emails.delay(notification_ids)


@transaction.atomic
def notify(
    *, recipient_ids: Iterable[int], title: str, body: str = "", url: str = "", case_id: int | None = None
) -> list[Notification]:
    """Write one notification per distinct recipient; e-mail copies go out once the transaction commits.

    The rows are written in the caller's transaction, so a change that is rolled back leaves no
    notification behind and sends no e-mail, and a committed change never lacks its notification.
    """
    recipients = list(dict.fromkeys(int(pk) for pk in recipient_ids))  # distinct, in the caller's order
    template = Notification(title=title, body=body, url=url, case_id=case_id)
    # One check for all rows: they differ only in the recipient (and the foreign keys are left to the database).
    template.full_clean(exclude=["recipient", "case"])
    if url and not is_local_path(url):
        raise ValidationError({"url": _("A notification may only link to a page of this site.")})
    if not recipients:
        return []

    now = timezone.now()
    rows = [
        Notification(recipient_id=pk, title=title, body=body, url=url, case_id=case_id, created_at=now)
        for pk in recipients
    ]
    created = Notification.objects.bulk_create(rows, batch_size=CREATE_BATCH_SIZE)

    wanted = _email_wanted(recipients)
    email_ids = [row.pk for row in created if row.recipient_id in wanted]
    for start in range(0, len(email_ids), EMAIL_TASK_SIZE):
        # robust: a broker that is down must not turn a committed change into an error page; the
        # notification itself is already saved and shown in the app.
        transaction.on_commit(
            functools.partial(_enqueue_emails, email_ids[start : start + EMAIL_TASK_SIZE]), robust=True
        )
    return created


def notify_bulk(messages: Iterable[tuple[Iterable[int], str, str, int]]) -> int:
    """Many notifications at once, each (recipient ids, title, local url, case id), in the caller's transaction.

    For the deadline sweep, which may notify thousands of cases in one batch: one INSERT per
    thousand rows, one look-up of who wants e-mail, e-mail enqueued on commit.
    """
    now = timezone.now()
    rows = [
        Notification(recipient_id=pk, title=title, url=url, case_id=case_id, created_at=now)
        for recipients, title, url, case_id in messages
        for pk in {int(pk) for pk in recipients if pk}
    ]
    if not rows:
        return 0
    created = Notification.objects.bulk_create(rows, batch_size=CREATE_BATCH_SIZE)
    wanted = _email_wanted(sorted({row.recipient_id for row in rows}))
    email_ids = [row.pk for row in created if row.recipient_id in wanted]
    for start in range(0, len(email_ids), EMAIL_TASK_SIZE):
        transaction.on_commit(
            functools.partial(_enqueue_emails, email_ids[start : start + EMAIL_TASK_SIZE]), robust=True
        )
    return len(rows)


def notification_email_preference_set(*, user, enabled: bool) -> None:
    """Turn e-mail copies of the user's notifications on or off."""
    if enabled and not user.email:
        raise ValidationError(
            {"notify_by_email": _("Your account has no e-mail address; ask an administrator to add one.")}
        )
    user.notify_by_email = enabled
    user.save(update_fields=["notify_by_email"])


def notification_mark_read(*, user, notification_id: int) -> None:
    """Mark one of the user's notifications read; someone else's raises Notification.DoesNotExist."""
    own = Notification.objects.visible_to(user).filter(pk=notification_id)
    if not own.filter(read_at__isnull=True).update(read_at=timezone.now()) and not own.exists():
        raise Notification.DoesNotExist
    # Already read: keep the first reading time.


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; return how many were unread."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def _site_url() -> str:
    return str(getattr(settings, "GRIDGOV_SITE_URL", DEFAULT_SITE_URL)).rstrip("/")


def _email_message(notification: Notification, connection) -> mail.EmailMessage:
    subject = " ".join(notification.title.split())  # a line break in a header is refused
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
