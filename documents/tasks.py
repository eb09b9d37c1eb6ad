"""Background work about documents (queue "documents", see CELERY_TASK_ROUTES). Tasks take ids."""

from celery import shared_task

# Seconds. The hard limit stays well under STALE_AFTER (models.py): a build is never thought lost while
# it may still be running.
BUILD_SOFT_TIME_LIMIT = 4 * 60
BUILD_TIME_LIMIT = 5 * 60


@shared_task(
    name="documents.build",
    # Acknowledged once done: a worker that dies mid-build hands the message back to the broker.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=BUILD_SOFT_TIME_LIMIT,
    time_limit=BUILD_TIME_LIMIT,
    ignore_result=True,  # the outcome is on the Document row
)
def build_document(document_id: int) -> str:
    from documents.services import document_build

    return document_build(document_id=document_id)


@shared_task(name="documents.purge", soft_time_limit=10 * 60, time_limit=11 * 60)
def purge_documents() -> int:
    """Daily (beat): delete the files older than DOCUMENT_RETENTION_DAYS."""
    from documents.services import documents_purge

    return documents_purge()
