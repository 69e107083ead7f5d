"""An import job, the rows of its file while they are checked (staging), and what applying it changed (for undo).

The staging rows live only between checking and applying: on PostgreSQL their table is UNLOGGED
(fast to fill, emptied by a crash, when the job is simply checked again from its file). What an
applied import changed is kept in ``ImportChange``, an ordinary table written in the same
transaction as the change itself, so undo always has what it needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    APPLYING = "applying", _("Applying")
    APPLIED = "applied", _("Applied")
    UNDONE = "undone", _("Undone")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ApplyMode(models.TextChoices):
    ALL = "all", _("All or nothing")
    VALID_ONLY = "valid_only", _("Only the correct rows")


class ImportJob(models.Model):
    kind = models.CharField(_("roster type"), max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("who")
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    # Where rows may be written: the region-code prefixes of the importer's scope ([""] for everywhere),
    # narrowed to the place chosen on the form.
    place_code = models.CharField(_("place"), max_length=17, blank=True)
    allowed_prefixes = models.JSONField(_("allowed places"), default=list)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size"), default=0)
    stored_file = models.CharField(max_length=255, blank=True)  # under settings.IMPORT_ROOT; removed when done
    headers = models.JSONField(_("column names"), default=list)
    mapping = models.JSONField(_("columns"), default=dict)
    state = models.CharField(_("state"), max_length=16, choices=JobState.choices, default=JobState.UPLOADED)
    mode = models.CharField(_("apply mode"), max_length=16, choices=ApplyMode.choices, blank=True)
    message = models.TextField(_("message"), blank=True)
    cancel_requested = models.BooleanField(default=False)
    total_rows = models.IntegerField(_("rows"), default=0)
    done_rows = models.IntegerField(_("rows done"), default=0)
    new_rows = models.IntegerField(_("new"), default=0)
    changed_rows = models.IntegerField(_("changed"), default=0)
    unchanged_rows = models.IntegerField(_("unchanged"), default=0)
    wrong_rows = models.IntegerField(_("wrong"), default=0)
    written_rows = models.IntegerField(_("rows written"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    check_seconds = models.FloatField(default=0)
    apply_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "state"], name="importjob_kind_state")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class RowStatus(models.IntegerChoices):
    NEW = 1, _("New")
    CHANGED = 2, _("Changed")
    UNCHANGED = 3, _("Unchanged")
    WRONG = 4, _("Wrong")


class StagedRow(models.Model):
    """One data row of a checked file: its clean values and the verdict (its cells stay in the file, which the
    error workbook reads again)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_index=False)
    number = models.IntegerField()  # the row number the spreadsheet shows
    key = models.CharField(max_length=64, blank=True)  # the natural key, for duplicates inside the file
    data = models.JSONField(null=True)  # clean values (None when the row is wrong)
    status = models.SmallIntegerField(choices=RowStatus.choices)
    errors = models.TextField(blank=True)
    target_id = models.BigIntegerField(null=True)  # the existing row it changes
    before = models.JSONField(null=True)  # changed fields: their values now

    class Meta:
        indexes = [
            models.Index(fields=["job", "status", "number"], name="stagedrow_job_status"),
            models.Index(fields=["job", "key"], name="stagedrow_job_key"),
        ]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="stagedrow_unique_number")]


class ChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")


class ImportChange(models.Model):
    """One row an applied import created or changed: enough to undo it, and to see whether it changed since."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes", db_index=False)
    number = models.IntegerField()  # the file's row
    model = models.CharField(max_length=32)  # the kind's name for the table
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    before = models.JSONField(null=True)  # changed fields' values before
    after = models.JSONField()  # the values the import wrote

    class Meta:
        indexes = [models.Index(fields=["job", "model", "object_id"], name="importchange_job_object")]
