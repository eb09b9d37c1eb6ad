"""A run queued whose task never started (the worker was down, the broker lost the message) is not left
"waiting for a worker" for ever: after ``IMPORT_RUN_STALE_SECONDS`` it is failed the same way as a run whose
worker died, the page says so in the coordinator's language, and it can be run again."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from imports.background import batch_run, stale_run_fail
from imports.models import ImportBatch, ImportStatus, RunState
from microcredit.accounts.models import EntrepreneurProfile
from tests.imports.conftest import ENTREPRENEURS_CSV
from tests.imports.test_views import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_files(settings):
    settings.IMPORT_BACKGROUND_MIN_BYTES = 1  # every file counts as large here
    settings.IMPORT_RUN_STALE_SECONDS = 300


def _later(minutes: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


def test_a_check_never_started_is_failed_after_the_delay_and_checked_again(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    url = reverse("imports:batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=False) as lost:  # queued; its task never runs
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert len(lost) == 1 and ImportBatch.objects.get().run_state == RunState.QUEUED
    assert 'data-testid="import-progress"' in page
    with _later(4):  # within the delay: still waiting
        client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert ImportBatch.objects.get().run_state == RunState.QUEUED
    with _later(6):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert ImportBatch.objects.get().run_state == RunState.FAILED
        assert 'data-testid="run-failed"' in page and 'http-equiv="refresh"' not in page
        assert "Aucun processus n'a commencé la vérification de ce fichier" in page.replace("&#x27;", "'")
        assert 'name="step" value="check"' in page
        # The lost task, if it ever arrives, does nothing: the run is no longer queued.
        assert batch_run(batch_id=batch.pk, step="check", actor_id=staff["coordinator"].pk) == "not queued"
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"step": "check"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.run_state, batch.rows_total) == (ImportStatus.READY, RunState.DONE, 5)


def test_an_import_never_started_is_failed_in_english_and_confirmed_again(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    coordinator = staff["coordinator"]
    coordinator.language = "en"
    coordinator.save()
    client = client_for(coordinator)
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    url = reverse("imports:batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)  # checked by the worker: ready
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(url).status_code == 302  # the import queued; its task never runs
    assert ImportBatch.objects.get().run_state == RunState.QUEUED
    with _later(10):
        assert stale_run_fail(ImportBatch.objects.get())
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "No worker started importing this file" in page and "nothing was saved" in page
        assert "Confirm the import" in page
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.run_state) == (ImportStatus.IMPORTED, RunState.DONE)
    assert EntrepreneurProfile.objects.count() == 5


def test_a_run_never_started_is_labelled_so_not_stopped_before_the_end(
    staff, client_for, big_files, django_capture_on_commit_callbacks
):
    client = client_for(staff["coordinator"])
    upload(client, ENTREPRENEURS_CSV)
    batch = ImportBatch.objects.get()
    url = reverse("imports:batch", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=False):  # queued; its task never runs
        client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    with django_capture_on_commit_callbacks(execute=False), _later(6):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert ImportBatch.objects.get().run_state == RunState.FAILED
        listing = client.get(reverse("imports:index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for shown in (page, listing):
        assert "Jamais commencé" in shown and "Arrêté avant la fin" not in shown
    # A run a worker took, then died: stopped before the end.
    ImportBatch.objects.filter(pk=batch.pk).update(run_started_at=timezone.now())
    listing = client.get(reverse("imports:index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Arrêté avant la fin" in listing and "Jamais commencé" not in listing


@pytest.mark.parametrize("state", [*RunState.values, ""])
@pytest.mark.parametrize("started", [False, True])
def test_never_started_is_decided_in_one_place(state, started, monkeypatch):
    """The batch decides it (``ImportBatch.never_started``); its label and the background module's
    ``never_started`` read that one answer, whatever it is."""
    from django.utils import translation

    from imports import background

    batch = ImportBatch(run_state=state, run_started_at=timezone.now() if started else None)
    expected = state == RunState.FAILED and not started
    with translation.override("en"):
        assert batch.never_started is expected
        assert background.never_started(batch) is expected
        assert (batch.run_label == "Never started") is expected
        # Change the one rule: both readers follow it.
        monkeypatch.setattr(ImportBatch, "never_started", property(lambda self: not expected))
        assert background.never_started(batch) is (not expected)
        assert (batch.run_label == "Never started") is (not expected)
