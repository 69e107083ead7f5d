"""Background jobs of the notifications app: take ids, call a service.

This module depends on notifications.emails only; notifications.services enqueues its tasks.
"""

from celery import shared_task

from .emails import notification_emails_send


# OSError covers smtplib.SMTPException and refused connections: the mail server may come back.
# Rows already sent are marked, so a retry sends only the rest.
@shared_task(
    name="notifications.send_emails",
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_emails(notification_ids: list[int]) -> int:
    return notification_emails_send(notification_ids=notification_ids)
