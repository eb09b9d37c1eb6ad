import logging

from celery import shared_task

from privacy.services import file_access_purge

logger = logging.getLogger(__name__)


@shared_task(name="privacy.purge_file_access_log")
def purge_file_access_log() -> int:
    deleted = file_access_purge()
    logger.info("File-access log: %s rows past their retention deleted", deleted)
    return deleted


@shared_task(name="privacy.retention_pass")
def retention_pass() -> int:
    """Daily: anonymizes the files past retention, once the privacy officer has switched the pass on."""
    from microcredit.core.models import OrganizationSettings
    from privacy.services import retention_run

    if not OrganizationSettings.load().retention_pass_enabled:
        return 0
    done = retention_run()
    logger.info("Retention pass: %s people anonymized", len(done))
    return len(done)
