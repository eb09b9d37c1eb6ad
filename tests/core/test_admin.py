import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_every_model_of_ours_is_in_the_admin():
    from django.apps import apps

    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "core", "circles", "loans", "coaching", "privacy"}
    ]
    assert ours
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []


def test_the_coordinator_opens_every_admin_list_with_search_and_filters(personas, client_for):
    factories.DemographicsFactory(profile=personas.entrepreneur)
    client = client_for(personas.coordinator)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"accounts", "core", "circles", "loans", "coaching", "privacy"}:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        params = {"q": "a"} if model_admin.search_fields else {}
        assert client.get(url, params).status_code == 200, url


@pytest.mark.parametrize("persona", ["advisor", "board"])
def test_only_coordinators_reach_the_admin(personas, client_for, persona):
    response = client_for(getattr(personas, persona)).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_consented_answers_cannot_be_edited_in_the_admin(personas, client_for):
    answers = factories.DemographicsFactory(profile=personas.entrepreneur)
    client = client_for(personas.coordinator)
    url = reverse("admin:accounts_demographics_change", args=[answers.pk])
    response = client.post(url, {"gender": "man"})
    answers.refresh_from_db()
    assert answers.gender == "woman"
    assert response.status_code == 403
