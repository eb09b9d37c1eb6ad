"""Large files run in the background: the check (dry run) and the confirmed import of a file of at least
``IMPORT_BACKGROUND_MIN_BYTES`` are done by a worker (``imports.run_batch``) while the batch's page shows a
progress bar (it reloads itself every few seconds, no JavaScript needed). A run is claimed by conditional
updates (queued → running → done), so a file is never checked or imported twice at once; the number of rows
done is kept in the cache (the run's own transaction is invisible to the page until it ends)."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from imports.models import ImportBatch, ImportStatus, RunState
from microcredit.accounts.models import User

PROGRESS_SECONDS = 24 * 3600


def progress_key(batch_id: int) -> str:
    return f"imports:progress:{batch_id}"


def rows_done(batch: ImportBatch) -> int:
    return cache.get(progress_key(batch.pk)) or 0


def runs_in_background(batch: ImportBatch) -> bool:
    if not batch.file or batch.file_purged_at is not None:
        return False
    try:
        return batch.file.size >= settings.IMPORT_BACKGROUND_MIN_BYTES
    except OSError:
        return False


def batch_queue(*, batch_id: int, step: str, actor: User) -> bool:
    """Queue the check (``step="check"``) or the import (``"commit"``) of a batch for a worker, after the
    current transaction commits; False when a run of it is already waiting or running, or it is imported."""
    from imports.tasks import run_batch

    claimed = (
        ImportBatch.objects.filter(pk=batch_id)
        .exclude(run_state__in=(RunState.QUEUED, RunState.RUNNING))
        .exclude(status=ImportStatus.IMPORTED)
        .update(run_state=RunState.QUEUED, run_kind=step)
    )
    if claimed:
        cache.set(progress_key(batch_id), 0, PROGRESS_SECONDS)
        transaction.on_commit(lambda: run_batch.delay(batch_id, step, actor.pk))
    return bool(claimed)


def batch_run(*, batch_id: int, step: str, actor_id: int) -> str:
    """The worker's part: claim the queued run, check or import the file in the actor's language, record the
    outcome on the batch (counts, errors: the page and the error report read them)."""
    from imports.services import import_check, import_commit

    if (
        ImportBatch.objects.filter(pk=batch_id, run_state=RunState.QUEUED).update(run_state=RunState.RUNNING)
        != 1
    ):
        return "not queued"  # already run by another worker, or never queued
    actor = User.objects.get(pk=actor_id)

    def progress(rows: int) -> None:
        cache.set(progress_key(batch_id), rows, PROGRESS_SECONDS)

    try:
        with translation.override(actor.language):
            if step == "commit":
                import_commit(batch_id=batch_id, actor=actor, progress=progress)
            else:
                import_check(batch=ImportBatch.objects.get(pk=batch_id), progress=progress)
    except ValidationError as error:  # imported meanwhile, or the file was deleted
        messages = [["", "", message] for message in error.messages]
        ImportBatch.objects.filter(pk=batch_id).update(problems=messages, errors_total=len(messages))
    finally:
        ImportBatch.objects.filter(pk=batch_id).update(run_state=RunState.DONE)
    return step
