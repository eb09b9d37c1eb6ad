# ruff: noqa: RUF001  (French apostrophes in the expected messages)
"""A worker that dies in the middle of a run: its batch is not left "running" for ever, nothing of it is
kept, and the coordinator runs it again."""

import datetime
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from imports.background import batch_queue, heartbeat_key, stale_run_fail
from imports.models import ImportBatch, ImportStatus, RunState
from loans.models import Instalment, Loan, LoanPosition, Payment
from microcredit.accounts.models import EntrepreneurProfile
from tests.imports.conftest import CIRCLES_CSV, ENTREPRENEURS_CSV
from tests.imports.test_loans import run, workbook
from tests.imports.test_views import upload
from tests.loans.factories import LoanProductFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def big_files(settings):
    settings.IMPORT_BACKGROUND_MIN_BYTES = 1  # every file counts as large here


def left_running(batch, *, step: str, minutes_ago: int, beat_minutes_ago: int | None) -> None:
    """The batch as a worker leaves it when it dies: claimed (running) at some point, its last heartbeat
    then."""
    started = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    ImportBatch.objects.filter(pk=batch.pk).update(
        run_state=RunState.RUNNING, run_kind=step, run_started_at=started
    )
    if beat_minutes_ago is not None:
        beat = timezone.now() - datetime.timedelta(minutes=beat_minutes_ago)
        cache.set(heartbeat_key(batch.pk), beat.timestamp(), 3600)


@pytest.mark.django_db
def test_a_batch_left_running_with_an_old_heartbeat_is_failed_on_its_page_and_imported_again(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    url = reverse("imports:batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)  # checked by the worker: ready
    assert ImportBatch.objects.get().status == ImportStatus.READY
    left_running(batch, step="commit", minutes_ago=30, beat_minutes_ago=6)  # silent for 6 minutes
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-ca").content.decode()
    batch.refresh_from_db()
    assert batch.run_state == RunState.FAILED and batch.status == ImportStatus.READY
    assert 'data-testid="run-failed"' in page and 'http-equiv="refresh"' not in page
    assert "s’est arrêté avant la fin" in page and "rien n’a été enregistré" in page
    assert EntrepreneurProfile.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post(url).status_code == 302  # confirmed again: run again
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.run_state) == (ImportStatus.IMPORTED, RunState.DONE)
    assert EntrepreneurProfile.objects.count() == 5


@pytest.mark.django_db
def test_a_run_that_still_beats_is_left_running(staff, client_for, big_files):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    left_running(batch, step="commit", minutes_ago=30, beat_minutes_ago=1)  # a long run, alive
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert 'data-testid="import-progress"' in page and 'data-testid="run-failed"' not in page
    assert ImportBatch.objects.get().run_state == RunState.RUNNING
    assert not batch_queue(batch_id=batch.pk, step="commit", actor=staff["coordinator"])
    # Just claimed, no heartbeat yet: alive too.
    cache.clear()
    left_running(batch, step="check", minutes_ago=1, beat_minutes_ago=None)
    assert not stale_run_fail(ImportBatch.objects.get())


@pytest.mark.django_db
def test_a_dead_check_is_failed_by_the_next_request_to_run_it_and_checked_again(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    left_running(batch, step="check", minutes_ago=20, beat_minutes_ago=None)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert 'name="step" value="check"' in page  # "Check the file again"
    assert ImportBatch.objects.get().run_state == RunState.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("imports:batch", args=[batch.pk]), {"step": "check"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.run_state, batch.rows_total) == (ImportStatus.READY, RunState.DONE, 5)
    # Only a failed check is run again that way; the next request to run a dead one fails it first.
    assert client.post(reverse("imports:batch", args=[batch.pk]), {"step": "check"}).status_code == 404
    left_running(batch, step="check", minutes_ago=20, beat_minutes_ago=10)
    assert batch_queue(batch_id=batch.pk, step="check", actor=staff["coordinator"])


WORKER = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from django.conf import settings
    settings.MEDIA_ROOT = sys.argv[1]
    from imports.kinds import get_kind, loans
    loans.CHUNK = 1  # one loan per chunk: killed once the first is written, inside the transaction
    kind = get_kind("loans")
    write = kind._write
    def write_then_die(plans, context, report):
        write(plans, context, report)
        from loans.models import Loan
        assert Loan.objects.count() == 1  # written in the import's transaction, not committed
        print("written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    kind._write = write_then_die
    from imports.background import batch_run
    batch_run(batch_id=int(sys.argv[2]), step="commit", actor_id=int(sys.argv[3]))
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_an_import_keeps_nothing_and_the_import_runs_again(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    LoanProductFactory()
    with time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC), tick=False):
        assert run("entrepreneurs", ENTREPRENEURS_CSV, staff["coordinator"]).is_valid
        assert run("circles", CIRCLES_CSV, staff["coordinator"]).is_valid
    client = client_for(staff["coordinator"])
    client.post(
        reverse("imports:index"),
        {"kind": "loans", "file": _uploaded("prets.xlsx", workbook())},
    )
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.READY, run_state=RunState.QUEUED)
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microcredit.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    worker = subprocess.run(
        [sys.executable, "-c", WORKER, str(settings.MEDIA_ROOT), str(batch.pk), str(staff["coordinator"].pk)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr[-2000:]
    assert "written" in worker.stdout
    # The database rolled the dead worker's transaction back: nothing half-written.
    assert (Loan.objects.count(), Instalment.objects.count(), Payment.objects.count()) == (0, 0, 0)
    assert LoanPosition.objects.count() == 0
    batch.refresh_from_db()
    assert (batch.run_state, batch.status) == (RunState.RUNNING, ImportStatus.READY)  # as it was left
    url = reverse("imports:batch", args=[batch.pk])
    assert 'data-testid="run-failed"' not in client.get(url).content.decode()  # not silent long enough yet
    later = timezone.now() + datetime.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        page = client.get(url).content.decode()
        assert 'data-testid="run-failed"' in page
        assert ImportBatch.objects.get().run_state == RunState.FAILED
    with time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC), tick=False):
        assert client.post(url).status_code == 302  # confirmed again (the task runs inline in tests)
    batch.refresh_from_db()
    assert (batch.status, batch.run_state) == (ImportStatus.IMPORTED, RunState.DONE)
    assert (Loan.objects.count(), Payment.objects.count()) == (3, 7)


def _uploaded(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
