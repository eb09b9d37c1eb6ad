from celery import shared_task


@shared_task(name="imports.purge_files")
def purge_files() -> dict:
    """Nightly: uploaded import files past ``IMPORT_FILE_RETENTION_DAYS`` are deleted (imports.retention)."""
    from imports.retention import import_files_purge

    return import_files_purge()
