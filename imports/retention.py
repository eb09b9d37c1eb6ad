"""How long the uploaded import files are kept. They hold the organization's personal information (names,
contact details, demographic answers, loans): once checked and imported, the data lives in the app and the
file is no longer needed, so the nightly ``imports.purge_files`` deletes every uploaded file older than
``IMPORT_FILE_RETENTION_DAYS`` (Law 25: keep personal information no longer than needed). The batch row stays
(who sent which file when, its outcome); the file and its error report go, and the batch's page says so."""

import datetime
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from imports.models import ImportBatch

logger = logging.getLogger(__name__)
FOLDER = "imports"


def import_files_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete the uploaded files past the retention, and stray files in ``media/imports/`` that no batch
    refers to (an upload interrupted before its row was saved) once they are as old. Idempotent: each batch is
    claimed by a conditional update before its file is deleted, so two runs never both act and a rerun finds
    nothing to do; a file already missing is simply recorded as deleted."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    purged = 0
    due = ImportBatch.objects.filter(uploaded_at__lt=cutoff, file_purged_at__isnull=True).exclude(file="")
    for pk, name in due.values_list("pk", "file").iterator():
        if (
            ImportBatch.objects.filter(pk=pk, file_purged_at__isnull=True).update(file="", file_purged_at=now)
            != 1
        ):
            continue  # another run claimed it
        try:
            default_storage.delete(name)
        except OSError:  # the file stays for the next look at the folder (stray files, below)
            logger.warning("Import file %s could not be deleted", name)
        purged += 1
    return {"purged": purged, "stray": _purge_stray(cutoff)}


def _purge_stray(cutoff: datetime.datetime) -> int:
    try:
        _folders, files = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return 0
    known = set(ImportBatch.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    for filename in files:
        name = f"{FOLDER}/{filename}"
        if name in known or default_storage.get_modified_time(name) >= cutoff:
            continue
        default_storage.delete(name)
        deleted += 1
    return deleted
