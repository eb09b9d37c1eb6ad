"""The organization's settings are read once per request or task, and a save is seen at once."""

import pytest
from celery import shared_task
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microcredit.core.models import OrganizationSettings, settings_scope

pytestmark = pytest.mark.django_db


def _settings_queries(queries) -> int:
    return sum(1 for query in queries if "core_organizationsettings" in query["sql"])


def test_outside_a_scope_every_load_reads_the_row():
    OrganizationSettings.load()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            OrganizationSettings.load()
    assert _settings_queries(queries.captured_queries) == 5


def test_inside_a_scope_the_row_is_read_once_and_a_save_is_seen():
    OrganizationSettings.load()
    with settings_scope():
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                first = OrganizationSettings.load()
        assert _settings_queries(queries.captured_queries) == 1
        first.name = "Cercle d'entraide de Verdun"
        first.save()
        assert OrganizationSettings.load().name == "Cercle d'entraide de Verdun"
    # Another scope (the next request) reads the row again.
    with settings_scope():
        assert OrganizationSettings.load().name == "Cercle d'entraide de Verdun"


def test_a_page_reads_the_settings_once(personas, client_for):
    client = client_for(personas.advisor)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert _settings_queries(queries.captured_queries) <= 1


@shared_task(name="tests.load_settings_three_times")
def load_settings_three_times() -> int:
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            OrganizationSettings.load()
    return _settings_queries(queries.captured_queries)


def test_a_task_reads_the_settings_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    OrganizationSettings.load()
    assert load_settings_three_times.apply().get() == 1


def test_a_refused_settings_form_does_not_change_what_the_page_shows(personas, client_for):
    client = client_for(personas.coordinator)
    name = OrganizationSettings.load().name
    response = client.post(reverse("core:organization_settings"), {"name": "Nom refusé", "currency": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert response.context["organization"].name == name
