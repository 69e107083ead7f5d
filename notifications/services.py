"""Writes for notifications: create them (with an optional e-mail copy), mark them read.

Dependencies go one way: this module enqueues the tasks of notifications.tasks, which call
notifications.emails; neither imports this module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from config.bulk import insert_rows

from .emails import is_local_path, notification_emails_send
from .messages import Message
from .models import Notification
from .tasks import send_emails

__all__ = [
    "Message",
    "is_local_path",
    "notification_email_preference_set",
    "notification_emails_send",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "notify_bulk",
]

# Rows per INSERT; the deadline sweep may notify thousands of users at once.
CREATE_BATCH_SIZE = 1000
# Recipient ids per look-up of who wants e-mail (kept well under SQLite's 32766 bound parameters).
LOOKUP_CHUNK_SIZE = 10_000
# Notification ids per e-mail task: small enough that a retry redoes little, large enough to share a connection.
EMAIL_TASK_SIZE = 200
TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length
# The columns notify_bulk writes, in the order of its rows.
BULK_FIELDS = ("recipient_id", "message_id", "params", "title", "body", "url", "case_id", "created_at")


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
    send_emails.delay(notification_ids)


def _email_on_commit(email_ids: list[int]) -> None:
    """Enqueue the e-mail copies once the caller's transaction commits, a task per EMAIL_TASK_SIZE ids.

    robust: a broker that is down must not turn a committed change into an error page; the
    notification itself is already saved and shown in the app.
    """
    for start in range(0, len(email_ids), EMAIL_TASK_SIZE):
        transaction.on_commit(
            functools.partial(_enqueue_emails, email_ids[start : start + EMAIL_TASK_SIZE]), robust=True
        )


def _what(title: str | Message) -> tuple[str, dict, str]:
    """(message id, parameters, text in the active language) of a message or of a plain title.

    Called with the site's default language active: the text is stored as the fallback.
    """
    if isinstance(title, Message):
        text = title.render()
        if len(text) > TITLE_MAX_LENGTH:  # long case titles: the rendered text is only the fallback
            text = text[: TITLE_MAX_LENGTH - 1] + "…"
        return title.id, title.params, text
    return "", {}, str(title)


@transaction.atomic
def notify(
    *, recipient_ids: Iterable[int], title: str | Message, body: str = "", url: str = "", case_id: int | None = None
) -> list[Notification]:
    """Write one notification per distinct recipient; e-mail copies go out once the transaction commits.

    title is a Message (see notifications.messages), shown in each reader's language; a plain
    string is shown as it is. body is free text written by a person.

    The rows are written in the caller's transaction, so a change that is rolled back leaves no
    notification behind and sends no e-mail, and a committed change never lacks its notification.
    """
    recipients = list(dict.fromkeys(int(pk) for pk in recipient_ids))  # distinct, in the caller's order
    with translation.override(settings.LANGUAGE_CODE):
        message_id, params, title = _what(title)
    template = Notification(message_id=message_id, params=params, title=title, body=body, url=url, case_id=case_id)
    # One check for all rows: they differ only in the recipient (and the foreign keys are left to the database).
    template.full_clean(exclude=["recipient", "case"])
    if url and not is_local_path(url):
        raise ValidationError({"url": _("A notification may only link to a page of this site.")})
    if not recipients:
        return []

    now = timezone.now()
    rows = [
        Notification(
            recipient_id=pk,
            message_id=message_id,
            params=params,
            title=title,
            body=body,
            url=url,
            case_id=case_id,
            created_at=now,
        )
        for pk in recipients
    ]
    created = Notification.objects.bulk_create(rows, batch_size=CREATE_BATCH_SIZE)

    wanted = _email_wanted(recipients)
    email_ids = [row.pk for row in created if row.recipient_id in wanted]
    _email_on_commit(email_ids)
    return created


def notify_bulk(messages: Iterable[tuple[Iterable[int], Message, str, int]]) -> int:
    """Many notifications at once, each (recipient ids, message, local url, case id), in the caller's transaction.

    For the deadline sweep, which may notify thousands of cases in one batch: the rows are written
    as plain tuples (COPY on PostgreSQL), one look-up of who wants e-mail, and only the rows that
    are e-mailed are created as objects, for the ids their e-mail tasks need.
    """
    now = timezone.now()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for recipients, title, url, case_id in messages:
            message_id, params, text = _what(title)
            rows.extend(
                (pk, message_id, params, text, "", url, case_id, now) for pk in {int(pk) for pk in recipients if pk}
            )
    if not rows:
        return 0
    wanted = _email_wanted(sorted({row[0] for row in rows}))
    insert_rows(Notification, BULK_FIELDS, (row for row in rows if row[0] not in wanted))
    emailed = Notification.objects.bulk_create(
        [Notification(**dict(zip(BULK_FIELDS, row, strict=True))) for row in rows if row[0] in wanted],
        batch_size=CREATE_BATCH_SIZE,
    )
    email_ids = [row.pk for row in emailed]
    _email_on_commit(email_ids)
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
