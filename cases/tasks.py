"""Background jobs of cases: take ids or nothing, call a service."""

from celery import shared_task

from .services.escalation import sweep_deadlines as _sweep


@shared_task(name="cases.sweep_deadlines", ignore_result=False)
def sweep_deadlines() -> dict[str, int]:
    return _sweep().as_dict()
