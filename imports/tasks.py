from celery import shared_task


@shared_task(name="imports.purge_files")
def purge_files() -> dict:
    """Nightly: uploaded import files past ``IMPORT_FILE_RETENTION_DAYS`` are deleted (imports.retention)."""
    from imports.retention import import_files_purge

    return import_files_purge()


@shared_task(name="imports.run_batch")
def run_batch(batch_id: int, step: str, actor_id: int) -> str:
    """A large file's check or import (imports.background); claimed, so a redelivery does nothing."""
    from imports.background import batch_run

    return batch_run(batch_id=batch_id, step=step, actor_id=actor_id)
