"""The Celery application. Its settings are Django's ``CELERY_*`` settings (microcredit/settings/base.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microcredit.settings.local")

app = Celery("microcredit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
