"""Uploaded import files are deleted after IMPORT_FILE_RETENTION_DAYS by a nightly, idempotent task; the
batch stays and its page says the file is gone (Law 25: personal information kept no longer than needed)."""

import datetime
import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportBatch, ImportStatus
from imports.retention import import_files_purge
from tests.imports.conftest import ENTREPRENEURS_CSV
from tests.imports.test_views import upload

pytestmark = pytest.mark.django_db


def age(batch: ImportBatch, days: int) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=days))


def stray(name: str, days: int) -> str:
    path = default_storage.save(f"imports/{name}", ContentFile(b"Identifiant;Nom\nE-1;Tremblay\n"))
    moment = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(default_storage.path(path), (moment, moment))
    return path


def test_files_past_the_retention_are_deleted_once_and_the_batch_stays(staff, client_for, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    upload(client, ENTREPRENEURS_CSV, name="recent.csv")
    old, recent = ImportBatch.objects.order_by("pk")
    age(old, 31)
    age(recent, 29)
    old_name = old.file.name
    assert default_storage.exists(old_name)

    assert import_files_purge() == {"purged": 1, "stray": 0}
    old.refresh_from_db()
    assert not default_storage.exists(old_name)
    assert (old.file.name, old.file_purged_at is not None, old.file_name) == ("", True, "dossiers.csv")
    assert old.problems == []  # the error report quotes the file: it goes with it
    assert default_storage.exists(ImportBatch.objects.get(pk=recent.pk).file.name)
    assert import_files_purge() == {"purged": 0, "stray": 0}  # a rerun finds nothing to do

    page = client.get(reverse("imports:batch", args=[old.pk]))
    assert page.status_code == 200
    assert b'data-testid="file-purged"' in page.content
    assert "send it again" in page.content.decode() or "envoyez-le" in page.content.decode()
    confirm = client.post(reverse("imports:batch", args=[old.pk]))
    assert confirm.status_code == 400
    assert ImportBatch.objects.get(pk=old.pk).status != ImportStatus.IMPORTED


def test_a_file_already_missing_is_recorded_as_deleted(staff, client_for):
    upload(client_for(staff["coordinator"]), ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    default_storage.delete(batch.file.name)
    age(batch, settings.IMPORT_FILE_RETENTION_DAYS + 1)
    assert import_files_purge() == {"purged": 1, "stray": 0}
    assert ImportBatch.objects.get().file_purged_at is not None


def test_stray_files_that_no_batch_refers_to_are_deleted_once_as_old(staff, client_for):
    upload(client_for(staff["coordinator"]), ENTREPRENEURS_CSV)
    kept = ImportBatch.objects.get().file.name
    old = stray("interrompu.csv", settings.IMPORT_FILE_RETENTION_DAYS + 2)
    young = stray("en-cours.csv", 1)
    assert import_files_purge() == {"purged": 0, "stray": 1}
    assert (default_storage.exists(old), default_storage.exists(young), default_storage.exists(kept)) == (
        False,
        True,
        True,
    )


def test_the_purge_runs_nightly_in_beat():
    from celery import current_app

    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "imports.purge_files" in entries
    import imports.tasks  # noqa: F401  (registered by autodiscovery in the worker)

    assert "imports.purge_files" in current_app.tasks
