"""Large files run in the background: the check (dry run) and the confirmed import of a file of at least
``IMPORT_BACKGROUND_MIN_BYTES`` are done by a worker (``imports.run_batch``) while the batch's page shows a
progress bar (it reloads itself every few seconds, no JavaScript needed). A run is claimed by conditional
updates (queued → running → done), so a file is never checked or imported twice at once; the number of rows
done is kept in the cache (the run's own transaction is invisible to the page until it ends).

A worker that dies in the middle (killed, out of memory, the machine restarted) cannot say so: while it runs,
a thread of it beats every ``HEARTBEAT_SECONDS`` in the cache. A run still "running" whose heartbeat is older
than ``IMPORT_RUN_STALE_SECONDS`` (and that started before that) is marked failed (``RunState.FAILED``) by
the batch's page or by the next request to run it (``stale_run_fail``), and the coordinator can run it again.
A run still "queued" ``IMPORT_RUN_STALE_SECONDS`` after it was queued (no worker took its task: the workers
were down, the broker lost the message) is failed the same way; its task, if it arrives later, finds it no
longer queued and does nothing.
Nothing of the dead run was kept: the check or import is one transaction, which the database rolls back when
its connection is lost. If the run was in fact alive (the cache was emptied), its rerun waits on the batch's
row lock and finds the file imported: a file is never imported twice."""

import threading

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from imports.models import ImportBatch, ImportStatus, RunState
from microcredit.accounts.models import User

PROGRESS_SECONDS = 24 * 3600
HEARTBEAT_SECONDS = 15
STALE_SECONDS = 300  # default of the IMPORT_RUN_STALE_SECONDS setting


def progress_key(batch_id: int) -> str:
    return f"imports:progress:{batch_id}"


def heartbeat_key(batch_id: int) -> str:
    return f"imports:heartbeat:{batch_id}"


def stale_seconds() -> int:
    return getattr(settings, "IMPORT_RUN_STALE_SECONDS", STALE_SECONDS)


def rows_done(batch: ImportBatch) -> int:
    return cache.get(progress_key(batch.pk)) or 0


def runs_in_background(batch: ImportBatch) -> bool:
    if not batch.file or batch.file_purged_at is not None:
        return False
    try:
        return batch.file.size >= settings.IMPORT_BACKGROUND_MIN_BYTES
    except OSError:
        return False


def heartbeat(batch_id: int) -> None:
    cache.set(heartbeat_key(batch_id), timezone.now().timestamp(), PROGRESS_SECONDS)


def is_stale(batch: ImportBatch) -> bool:
    """A run marked running whose worker has given no sign of life for ``IMPORT_RUN_STALE_SECONDS``, or a
    run queued that long ago that no worker started."""
    limit = timezone.now().timestamp() - stale_seconds()
    if batch.run_state == RunState.QUEUED:
        # Queued before its time was kept (run_queued_at is newer): from the upload on.
        queued = batch.run_queued_at or batch.uploaded_at
        return queued.timestamp() < limit
    if batch.run_state != RunState.RUNNING:
        return False
    last = cache.get(heartbeat_key(batch.pk))
    started = batch.run_started_at.timestamp() if batch.run_started_at else None
    return max(value for value in (last, started, 0) if value is not None) < limit


def never_started(batch: ImportBatch) -> bool:
    """Whether the batch's failed run was never taken by a worker (queued, then timed out): decided by the
    batch itself (``ImportBatch.never_started``)."""
    return batch.never_started


def stale_run_fail(batch: ImportBatch) -> bool:
    """Mark the batch's run failed if its worker died, or no worker started it (see the module); True if
    it did."""
    if not is_stale(batch):
        return False
    failed = ImportBatch.objects.filter(pk=batch.pk, run_state=batch.run_state).update(
        run_state=RunState.FAILED
    )
    if failed:
        batch.run_state = RunState.FAILED
    return bool(failed)


def batch_queue(*, batch_id: int, step: str, actor: User) -> bool:
    """Queue the check (``step="check"``) or the import (``"commit"``) of a batch for a worker, after the
    current transaction commits; False when a run of it is already waiting or running, or it is imported.
    A run whose worker died is marked failed first, and run again."""
    from imports.tasks import run_batch

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is not None:
        stale_run_fail(batch)
    claimed = (
        ImportBatch.objects.filter(pk=batch_id)
        .exclude(run_state__in=(RunState.QUEUED, RunState.RUNNING))
        .exclude(status=ImportStatus.IMPORTED)
        .update(run_state=RunState.QUEUED, run_kind=step, run_queued_at=timezone.now(), run_started_at=None)
    )
    if claimed:
        cache.set(progress_key(batch_id), 0, PROGRESS_SECONDS)
        transaction.on_commit(lambda: run_batch.delay(batch_id, step, actor.pk))
    return bool(claimed)


class _Heartbeat(threading.Thread):
    """Beats for a run every ``HEARTBEAT_SECONDS`` until stopped (it dies with its worker)."""

    def __init__(self, batch_id: int):
        super().__init__(daemon=True, name=f"import-heartbeat-{batch_id}")
        self.batch_id, self.stopped = batch_id, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            heartbeat(self.batch_id)


def batch_run(*, batch_id: int, step: str, actor_id: int) -> str:
    """The worker's part: claim the queued run, check or import the file in the actor's language, record the
    outcome on the batch (counts, errors: the page and the error report read them)."""
    from imports.services import import_check, import_commit

    if (
        ImportBatch.objects.filter(pk=batch_id, run_state=RunState.QUEUED).update(
            run_state=RunState.RUNNING, run_started_at=timezone.now()
        )
        != 1
    ):
        return "not queued"  # already run by another worker, or never queued
    heartbeat(batch_id)
    beating = _Heartbeat(batch_id)
    beating.start()
    actor = User.objects.get(pk=actor_id)

    def progress(rows: int) -> None:
        cache.set(progress_key(batch_id), rows, PROGRESS_SECONDS)
        heartbeat(batch_id)

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
        beating.stopped.set()
        ImportBatch.objects.filter(pk=batch_id).update(run_state=RunState.DONE)
    return step
