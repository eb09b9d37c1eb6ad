"""The people screens over real HTTP requests."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from microcredit.accounts.models import Demographics, EntrepreneurProfile, Gender, User
from tests import factories

pytestmark = pytest.mark.django_db


def _entrepreneur_post(advisor, **overrides):
    data = {
        "first_name": "Guerline",
        "last_name": "Joseph",
        "email": "",
        "phone": "514 555-0199",
        "language": "fr-ca",
        "advisor": advisor.pk,
        "intake_date": "2026-10-01",
        "address": "1234, rue Ontario Est",
        "city": "Montréal",
        "postal_code": "H2L 1P1",
        "business_name": "Couture Guerline",
        "business_sector": "crafts",
        "business_stage": "starting",
        "business_description": "Retouches et confection",
    }
    data.update(overrides)
    return data


def test_an_advisor_registers_an_entrepreneur_without_email(personas, client_for):
    client = client_for(personas.advisor)
    response = client.post(reverse("accounts:entrepreneur_create"), _entrepreneur_post(personas.advisor))
    profile = EntrepreneurProfile.objects.get(user__last_name="Joseph")
    assert response.status_code == 302
    assert response.url == reverse("accounts:entrepreneur_detail", args=[profile.pk])
    assert profile.advisor == personas.advisor
    assert profile.business_name == "Couture Guerline"
    page = client.get(response.url).content.decode()
    assert "guerline.joseph" in page


def test_the_registration_form_proposes_the_advisor_themself(personas, client_for):
    response = client_for(personas.advisor).get(reverse("accounts:entrepreneur_create"))
    assert response.context["form"].initial["advisor"] == personas.advisor


def test_with_an_email_address_an_invitation_leaves(personas, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.advisor).post(
            reverse("accounts:entrepreneur_create"),
            _entrepreneur_post(personas.advisor, email="g@example.org"),
        )
    assert [message.to for message in mail.outbox] == [["g@example.org"]]


def test_bad_input_is_refused_with_a_message_and_nothing_is_lost(personas, client_for):
    data = _entrepreneur_post(personas.advisor, postal_code="12345", email=personas.advisor.email)
    response = client_for(personas.advisor).post(reverse("accounts:entrepreneur_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "postal_code" in form.errors
    assert not EntrepreneurProfile.objects.filter(user__last_name="Joseph").exists()
    # What was typed comes back in the form.
    assert 'value="Couture Guerline"' in response.content.decode()


def test_a_duplicate_email_is_shown_next_to_the_email_field(personas, client_for):
    data = _entrepreneur_post(personas.advisor, email=personas.entrepreneur.user.email.upper())
    response = client_for(personas.advisor).post(reverse("accounts:entrepreneur_create"), data)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_an_advisor_edits_a_file(personas, client_for):
    profile = personas.entrepreneur
    data = _entrepreneur_post(
        personas.other_advisor, first_name="Marie", last_name="Tremblay", business_stage="operating"
    )
    response = client_for(personas.advisor).post(
        reverse("accounts:entrepreneur_update", args=[profile.pk]), data
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.business_stage == "operating"
    assert profile.advisor == personas.other_advisor
    assert profile.user.phone == "514 555-0199"


def test_the_list_filters_and_searches(personas, client_for):
    client = client_for(personas.coordinator)
    names = lambda response: {p.pk for p in response.context["object_list"]}  # noqa: E731
    assert names(client.get(reverse("accounts:entrepreneur_list"))) == {
        personas.entrepreneur.pk,
        personas.other_entrepreneur.pk,
    }
    assert names(client.get(reverse("accounts:entrepreneur_list"), {"q": "fatou"})) == {
        personas.other_entrepreneur.pk
    }
    assert names(client.get(reverse("accounts:entrepreneur_list"), {"advisor": personas.advisor.pk})) == {
        personas.entrepreneur.pk
    }
    assert names(client.get(reverse("accounts:entrepreneur_list"), {"no_email": "true"})) == {
        personas.other_entrepreneur.pk
    }


def test_list_pages_make_the_same_number_of_queries_whatever_the_size(personas, client_for, queries_for):
    client = client_for(personas.coordinator)
    url = reverse("accounts:entrepreneur_list")
    factories.EntrepreneurFactory.create_batch(3, advisor=personas.advisor)
    small = queries_for(client, url)
    factories.EntrepreneurFactory.create_batch(45, advisor=personas.advisor)
    assert queries_for(client, url) == small
    assert len(client.get(url).context["object_list"]) == 25  # paginated
    assert small <= 10


def test_the_advisor_home_page_is_bounded_too(personas, client_for, queries_for):
    client = client_for(personas.advisor)
    small = queries_for(client, reverse("home"))
    factories.EntrepreneurFactory.create_batch(30, advisor=personas.advisor)
    assert queries_for(client, reverse("home")) == small
    assert client.get(reverse("home")).context["caseload_count"] == 31


def test_consent_box_unticked_records_nothing(personas, client_for):
    url = reverse("accounts:demographics", args=[personas.entrepreneur.pk])
    client = client_for(personas.entrepreneur)
    page = client.get(url).content.decode()
    assert 'name="consent"' in page
    assert "checked" not in page.split('name="consent"')[1].split(">")[0]
    response = client.post(url, {"gender": Gender.WOMAN, "birth_year": "1988"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Demographics.objects.filter(profile=personas.entrepreneur).exists()


def test_an_entrepreneur_answers_with_consent_then_withdraws(personas, client_for):
    client = client_for(personas.entrepreneur)
    url = reverse("accounts:demographics", args=[personas.entrepreneur.pk])
    response = client.post(
        url,
        {
            "consent": "on",
            "gender": Gender.WOMAN,
            "birth_year": "1988",
            "immigrant": "true",
            "anglophone": "",
        },
    )
    assert response.status_code == 302
    answers = Demographics.objects.get(profile=personas.entrepreneur)
    assert (answers.gender, answers.birth_year, answers.immigrant, answers.anglophone) == (
        "woman",
        1988,
        True,
        None,
    )
    assert answers.consent_given_at is not None

    client.post(reverse("accounts:demographics_withdraw", args=[personas.entrepreneur.pk]))
    answers.refresh_from_db()
    assert answers.gender == "" and answers.birth_year is None and answers.consent_given_at is None


def test_the_data_export_holds_the_persons_data(personas, client_for):
    factories.DemographicsFactory(profile=personas.entrepreneur)
    response = client_for(personas.entrepreneur).get(
        reverse("accounts:entrepreneur_export", args=[personas.entrepreneur.pk])
    )
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    sections = data["sections"]
    assert sections["accounts.user"][0]["last_name"] == "Tremblay"
    assert sections["accounts.entrepreneurprofile"][0]["business_name"] == personas.entrepreneur.business_name
    assert sections["accounts.demographics"][0]["gender"] == "woman"


def test_an_entrepreneur_updates_their_contact_and_language(personas, client_for):
    client = client_for(personas.entrepreneur)
    response = client.post(
        reverse("accounts:my_contact"),
        {
            "phone": "438 555-7777",
            "language": "en",
            "address": "1, rue Principale",
            "city": "Laval",
            "postal_code": "H7N 2B3",
            "business_name": "Traiteur Marie",
            "business_description": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=personas.entrepreneur.user.pk)
    assert (user.phone, user.language) == ("438 555-7777", "en")
    assert "My profile" in client.get(reverse("home")).content.decode()


def test_an_advisor_sets_a_password_for_someone_without_email(personas, client_for, client):
    profile = personas.other_entrepreneur
    response = client_for(personas.advisor).post(
        reverse("accounts:entrepreneur_set_password", args=[profile.pk]),
        {"new_password1": "un-mot-de-passe-solide", "new_password2": "un-mot-de-passe-solide"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("login"), {"username": profile.user.username, "password": "un-mot-de-passe-solide"}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_an_advisor_cannot_set_the_password_of_someone_with_an_email(personas, client_for):
    url = reverse("accounts:entrepreneur_set_password", args=[personas.entrepreneur.pk])
    response = client_for(personas.advisor).post(
        url, {"new_password1": "x-mot-de-passe-9", "new_password2": "x-mot-de-passe-9"}
    )
    assert response.status_code == 404
