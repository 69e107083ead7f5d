"""Background jobs of the accounts app: take ids or nothing, call a service."""

from celery import shared_task

from .services import login_failures_purge


@shared_task(name="accounts.purge_login_failures")
def purge_login_failures() -> int:
    return login_failures_purge()
