"""Imports from spreadsheets: each uploaded file (checked, then imported on confirmation), and the stable
external id of every row already imported, so that importing the same file again changes nothing."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import User


def import_upload_to(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"imports/{uuid.uuid4().hex}.{extension}"


class ImportStatus(models.TextChoices):
    CHECKED_WITH_ERRORS = "errors", _("Checked: errors to correct")
    READY = "ready", _("Checked: ready to import")
    IMPORTED = "imported", _("Imported")


class RunState(models.TextChoices):
    """A large file is checked and imported by a worker (``imports.run_batch``)."""

    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    # Its worker stopped beating (killed, out of memory, the machine restarted): nothing of it was kept.
    FAILED = "failed", _("Stopped before the end")


class ImportBatch(models.Model):
    """One uploaded file: its kind, who sent it, the outcome of its check and of its import."""

    kind = models.CharField(_("kind"), max_length=30)
    file = models.FileField(_("file"), upload_to=import_upload_to, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    errors_total = models.PositiveIntegerField(_("errors"), default=0)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    # The uploaded file holds personal information: it is deleted after ``IMPORT_FILE_RETENTION_DAYS``
    # (``imports.purge_files``, nightly); the batch's outcome stays.
    file_purged_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    # The errors of its last check or import, [row, column, reason] in the coordinator's language (for the
    # downloadable error report); emptied with the file.
    problems = models.JSONField(_("errors"), default=list, blank=True)
    # A large file runs in the background: what it is doing ("check" or "commit"), and the counts it found.
    run_state = models.CharField(_("background run"), max_length=10, choices=RunState.choices, blank=True)
    run_kind = models.CharField(_("background step"), max_length=10, blank=True)
    # When a worker claimed the run (its heartbeat, every few seconds, is kept in the cache: the run's own
    # transaction cannot write to the batch where others would see it).
    run_started_at = models.DateTimeField(_("background run started"), null=True, blank=True)
    # When the run was queued: a run whose task never started is failed after the same delay.
    run_queued_at = models.DateTimeField(_("background run queued"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.file_name}"

    @property
    def never_started(self) -> bool:
        """Whether its failed run was never taken by a worker (queued, then timed out): the one place this is
        decided (``run_label``, ``imports.background.never_started`` and the batch's page read it)."""
        return self.run_state == RunState.FAILED and self.run_started_at is None

    @property
    def run_label(self) -> str:
        """The background run's state as shown: a failed run no worker ever took "never started", not
        "stopped before the end"."""
        if self.never_started:
            return _("Never started")
        return self.get_run_state_display()


class ExternalId(models.Model):
    """The id a row had in the organization's own files, and the object it became here."""

    kind = models.CharField(_("kind"), max_length=30)
    external_id = models.CharField(_("external id"), max_length=100)
    object_id = models.BigIntegerField(_("object"))
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="imports_external_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id}"
