"""Background jobs of the import centre: take a job id, call the pipeline."""

from celery import shared_task

from .models import ImportJob, JobState


@shared_task(name="imports.check", ignore_result=True)
def check_import(job_id: int) -> None:
    from .pipeline.check import check_job
    from .pipeline.jobs import checker_lock

    with checker_lock(job_id):
        job = ImportJob.objects.filter(pk=job_id, state=JobState.CHECKING).first()
        if job is not None:
            check_job(job)


@shared_task(name="imports.apply", ignore_result=True)
def apply_import(job_id: int) -> None:
    from .pipeline.jobs import run_apply

    run_apply(job_id)
