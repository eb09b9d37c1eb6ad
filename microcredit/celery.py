"""The Celery application. Its settings are Django's ``CELERY_*`` settings (microcredit/settings/base.py)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microcredit.settings.local")

app = Celery("microcredit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each task reads the organization's settings once (microcredit.core.models.settings_scope); the scope is
# opened before the task runs and closed after it, eager tasks run inside a request included.
_settings_scopes: dict[str, object] = {}


@task_prerun.connect
def _open_settings_scope(task_id=None, **kwargs) -> None:
    from microcredit.core.models import settings_scope

    scope = settings_scope()
    scope.__enter__()
    _settings_scopes[task_id] = scope


@task_postrun.connect
def _close_settings_scope(task_id=None, **kwargs) -> None:
    scope = _settings_scopes.pop(task_id, None)
    if scope is not None:
        scope.__exit__(None, None, None)
