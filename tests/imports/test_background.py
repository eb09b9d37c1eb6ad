"""Large files are checked and imported by a worker, with a progress page; a run is claimed once."""

import pytest
from django.urls import reverse

from imports.background import batch_queue, batch_run, rows_done
from imports.models import ImportBatch, ImportStatus, RunState
from microcredit.accounts.models import EntrepreneurProfile
from tests.imports.conftest import ENTREPRENEURS_CSV
from tests.imports.test_views import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_files(settings):
    settings.IMPORT_BACKGROUND_MIN_BYTES = 1  # every file counts as large here


def many_entrepreneurs(count: int) -> str:
    header = ENTREPRENEURS_CSV.splitlines()[0]
    rows = [
        f"M-{n:04d};Personne{n};Test;;514 555-{n:04d};fr;amelie;2024-01-15;;;;;;;;;;" for n in range(count)
    ]
    return "\n".join([header, *rows]) + "\n"


def test_a_large_file_is_checked_then_imported_by_a_worker_with_a_progress_page(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    url = reverse("imports:batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        waiting = client.get(url)
    assert len(callbacks) == 1  # the check was queued once
    assert b'data-testid="import-progress"' in waiting.content
    assert b'http-equiv="refresh"' in waiting.content
    checked = client.get(url)
    assert ImportBatch.objects.get().status == ImportStatus.READY
    assert b'http-equiv="refresh"' not in checked.content
    assert "5" in checked.content.decode() and b'type="submit"' in checked.content
    assert EntrepreneurProfile.objects.count() == 0  # nothing written yet
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(url)
    assert confirm.status_code == 302
    assert ImportBatch.objects.get().status == ImportStatus.IMPORTED
    assert EntrepreneurProfile.objects.filter(user__first_name="Marie-Ève").count() == 1
    assert ImportBatch.objects.get().counts == {"create": 5, "update": 0, "unchanged": 0}
    assert client.get(url).status_code == 200


def test_errors_found_in_the_background_are_listed_and_downloadable(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV.replace(";amelie;2023-09-12", ";personne;2023-09-12"))
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("imports:batch", args=[batch.pk]))
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert ImportBatch.objects.get().status == ImportStatus.CHECKED_WITH_ERRORS
    assert 'data-testid="error-report"' in page and "personne" in page
    report = client.get(reverse("imports:errors", args=[batch.pk])).content.decode("utf-8-sig")
    assert "personne" in report
    assert client.post(reverse("imports:batch", args=[batch.pk])).status_code == 404  # not importable


def test_a_run_is_claimed_once_and_its_progress_is_counted(staff, client_for, big_files):
    upload(client_for(staff["coordinator"]), many_entrepreneurs(120))
    batch = ImportBatch.objects.get()
    assert batch_queue(batch_id=batch.pk, step="check", actor=staff["coordinator"])
    assert not batch_queue(batch_id=batch.pk, step="check", actor=staff["coordinator"])  # already waiting
    assert batch_run(batch_id=batch.pk, step="check", actor_id=staff["coordinator"].pk) == "check"
    assert batch_run(batch_id=batch.pk, step="check", actor_id=staff["coordinator"].pk) == "not queued"
    batch.refresh_from_db()
    assert (batch.run_state, batch.status, batch.rows_total) == (RunState.DONE, ImportStatus.READY, 120)
    assert rows_done(batch) == 100  # reported every 100 rows
    assert EntrepreneurProfile.objects.filter(user__last_name="Test").count() == 0  # a dry run
