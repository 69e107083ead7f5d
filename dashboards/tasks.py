"""Background jobs of the dashboards."""

from celery import shared_task

from .rollup.job import run_rollup


@shared_task(name="dashboards.run_rollup", ignore_result=False)
def rollup_case_events(span: int | None = None) -> dict:
    """Absorb the case events committed since the last run into the rollups (every minute)."""
    return run_rollup(**({"span": span} if span else {})).as_dict()
