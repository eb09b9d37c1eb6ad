import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from microcredit.accounts import services
from microcredit.accounts.models import Demographics, Gender, IncomeSource, Invitation, Role, User
from microcredit.accounts.tasks import send_invitation
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_entrepreneur_without_email_can_be_registered(personas):
    profile = services.entrepreneur_create(
        first_name="Guerline", last_name="Joseph", advisor=personas.advisor, business_name="Couture"
    )
    assert profile.user.role == Role.ENTREPRENEUR
    assert profile.user.email == ""
    assert profile.user.username == "guerline.joseph"
    assert not profile.user.has_usable_password()
    assert mail.outbox == []


def test_usernames_stay_unique_and_readable(db):
    first = services.entrepreneur_create(first_name="Marie-Ève", last_name="Côté")
    second = services.entrepreneur_create(first_name="Marie-Ève", last_name="Côté")
    assert first.user.username == "marie.eve.cote"
    assert second.user.username == "marie.eve.cote2"


def test_email_addresses_are_unique_whatever_the_case(personas):
    with pytest.raises(ValidationError) as error:
        services.entrepreneur_create(first_name="A", last_name="B", email=personas.advisor.email.upper())
    assert "email" in error.value.message_dict


def test_the_database_refuses_a_duplicate_email_too(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="copy", email=personas.advisor.email.upper())


def test_many_people_may_have_no_email(db):
    User.objects.create(username="a", email="")
    User.objects.create(username="b", email="")
    assert User.objects.filter(email="").count() == 2


def test_only_coordinators_may_be_staff(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role=Role.ADVISOR, is_staff=True)


def test_the_assigned_advisor_must_be_an_advisor(personas):
    with pytest.raises(ValidationError) as error:
        services.entrepreneur_create(first_name="A", last_name="B", advisor=personas.board)
    assert "advisor" in error.value.message_dict


def test_an_invitation_is_sent_after_commit_in_the_persons_language(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        profile = services.entrepreneur_create(
            first_name="Rosa", last_name="Cardona", email="rosa@example.org", language="en"
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosa@example.org"]
    assert "Your access to" in message.subject
    assert profile.user.username in message.body
    assert "/accounts/reset/" in message.body
    html = message.alternatives[0][0]
    assert "Choose your password" in html


def test_the_invitation_is_in_french_by_default(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.entrepreneur_create(first_name="Luc", last_name="Fortin", email="luc@example.org")
    assert "Votre accès" in mail.outbox[0].subject
    assert "Choisissez votre mot de passe" in mail.outbox[0].body


def test_an_invitation_task_run_twice_sends_one_email(personas):
    user = personas.entrepreneur.user
    assert send_invitation.apply(args=[user.pk]).get() is True
    assert send_invitation.apply(args=[user.pk]).get() is False
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_for_the_retry(personas, monkeypatch):
    user = personas.entrepreneur.user

    def broken(self, *args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(Retry):  # retried later with backoff
        send_invitation.apply(args=[user.pk], throw=True).get()
    invitation = Invitation.objects.get(user=user)
    assert (invitation.status, invitation.sent_at, invitation.attempts) == ("pending", None, 1)
    assert "mail server down" in invitation.error
    monkeypatch.undo()
    assert send_invitation.apply(args=[user.pk]).get() is True
    assert len(mail.outbox) == 1


def test_an_invitation_whose_retries_are_spent_fails_for_good(personas, monkeypatch):
    user = personas.entrepreneur.user

    def broken(self, *args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    assert send_invitation.apply(args=[user.pk], retries=send_invitation.max_retries).get() == "failed"
    invitation = Invitation.objects.get(user=user)
    assert (invitation.status, invitation.sent_at) == ("failed", None)
    monkeypatch.undo()
    assert send_invitation.apply(args=[user.pk]).get() is False  # given up: never sent late, twice
    assert mail.outbox == []


def test_demographics_need_consent(personas):
    with pytest.raises(ValidationError):
        services.demographics_record(
            profile=personas.entrepreneur, consent=False, answers={"gender": Gender.WOMAN}
        )
    assert not Demographics.objects.exists()


def test_demographics_are_recorded_with_a_consent_date(personas):
    demographics = services.demographics_record(
        profile=personas.entrepreneur,
        consent=True,
        answers={"gender": Gender.WOMAN, "immigrant": True, "income_source": IncomeSource.NO_INCOME},
    )
    assert demographics.consent_given_at is not None
    assert (demographics.gender, demographics.immigrant, demographics.anglophone) == (
        Gender.WOMAN,
        True,
        None,
    )


def test_withdrawing_consent_erases_the_answers(personas):
    factories.DemographicsFactory(profile=personas.entrepreneur)
    demographics = services.demographics_withdraw(profile=personas.entrepreneur)
    demographics.refresh_from_db()
    assert demographics.consent_given_at is None
    assert demographics.consent_withdrawn_at is not None
    assert all(getattr(demographics, name) in ("", None) for name in Demographics.ANSWER_FIELDS)


def test_the_database_refuses_answers_without_consent(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Demographics.objects.create(profile=personas.entrepreneur, gender=Gender.WOMAN)


def test_a_change_of_advisor_is_kept_in_the_history(personas):
    profile = services.entrepreneur_assign_advisor(
        profile=personas.entrepreneur,
        advisor=personas.other_advisor,
        changed_by=personas.coordinator,
        reason="congé",
    )
    assert profile.advisor == personas.other_advisor
    change = profile.advisor_assignments.get()
    assert (change.previous_advisor, change.advisor, change.changed_by, change.reason) == (
        personas.advisor,
        personas.other_advisor,
        personas.coordinator,
        "congé",
    )
    # Assigning the same advisor again changes nothing.
    services.entrepreneur_assign_advisor(profile=profile, advisor=personas.other_advisor, changed_by=None)
    assert profile.advisor_assignments.count() == 1


def test_the_history_starts_at_registration(personas):
    profile = services.entrepreneur_create(
        first_name="A", last_name="B", advisor=personas.advisor, created_by=personas.coordinator
    )
    assert list(profile.advisor_assignments.values_list("previous_advisor", "advisor")) == [
        (None, personas.advisor.pk)
    ]


def test_the_admin_keeps_the_history_too(personas, client_for):
    from django.urls import reverse

    profile = personas.entrepreneur
    url = reverse("admin:accounts_entrepreneurprofile_change", args=[profile.pk])
    client = client_for(personas.coordinator)
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "advisor": personas.other_advisor.pk,
            "demographics-TOTAL_FORMS": "0",
            "demographics-INITIAL_FORMS": "0",
            "demographics-MIN_NUM_FORMS": "0",
            "demographics-MAX_NUM_FORMS": "1",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.advisor == personas.other_advisor
    assert profile.advisor_assignments.get().previous_advisor == personas.advisor
