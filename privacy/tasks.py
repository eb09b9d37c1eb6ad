import logging

from celery import shared_task

from privacy.services import file_access_purge

logger = logging.getLogger(__name__)


@shared_task(name="privacy.purge_file_access_log")
def purge_file_access_log() -> int:
    deleted = file_access_purge()
    logger.info("File-access log: %s rows past their retention deleted", deleted)
    return deleted
