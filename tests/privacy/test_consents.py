"""Consent per purpose (Law 25): each dated, with the words shown and who recorded it, never pre-ticked,
withdrawable by her or her advisor, and a withdrawal takes effect at once everywhere (no more emails, answers
erased, a referral's sharing stops) and is itself recorded."""

import datetime
import importlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coaching import services as coaching_services
from coaching.models import Referral
from loans.models import Reminder, ReminderChannel, ReminderStatus
from loans.services.reminders import reminder_deliver, reminders_scan
from microcredit.accounts import consents, services
from microcredit.accounts.models import ConsentRecord, Demographics
from tests.coaching.factories import PartnerFactory
from tests.factories import DemographicsFactory, EntrepreneurFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 10)
DAY = datetime.timedelta(days=1)
ANSWERS = {"gender": "woman", "birth_year": 1985, "immigrant": True}


def test_demographic_answers_record_a_dated_consent_and_withdrawal_erases_them(personas, client_for):
    profile = personas.entrepreneur
    services.demographics_record(profile=profile, consent=True, answers=ANSWERS, recorded_by=profile.user)
    record = ConsentRecord.objects.get(profile=profile, purpose="demographics")
    assert (record.granted, record.text_version, record.recorded_by) == (
        True,
        consents.TEXT_VERSION,
        profile.user,
    )
    assert "de façon globale seulement" in record.text  # the words she read, in her language

    response = client_for(personas.advisor).post(
        reverse("accounts:consent_withdraw", args=[profile.pk]), {"purpose": "demographics"}
    )
    assert response.status_code == 302
    answers = Demographics.objects.get(profile=profile)
    assert (answers.gender, answers.birth_year, answers.consent_given_at) == ("", None, None)
    rows = list(
        ConsentRecord.objects.filter(profile=profile, purpose="demographics")
        .order_by("pk")
        .values_list("granted", "is_current")
    )
    assert rows == [(True, False), (False, True)]
    assert ConsentRecord.objects.filter(granted=False).get().recorded_by == personas.advisor
    # The database still refuses answers without consent.
    with pytest.raises(IntegrityError), transaction.atomic():
        Demographics.objects.filter(profile=profile).update(gender="woman")


def test_the_existing_consents_move_onto_the_records(personas):
    given = DemographicsFactory(profile=personas.entrepreneur)
    withdrawn = Demographics.objects.create(
        profile=personas.other_entrepreneur, consent_withdrawn_at=timezone.now() - 3 * DAY
    )
    migration = importlib.import_module("microcredit.accounts.migrations.0004_demographics_consent_records")
    migration.forward(apps, None)
    records = {r.profile_id: r for r in ConsentRecord.objects.filter(purpose="demographics")}
    assert (
        records[given.profile_id].granted and records[given.profile_id].recorded_at == given.consent_given_at
    )
    assert not records[withdrawn.profile_id].granted
    assert records[withdrawn.profile_id].recorded_at == withdrawn.consent_withdrawn_at
    assert consents.has_consent(given.profile, "demographics")


@pytest.mark.parametrize("persona", ["coordinator", "advisor", "owner", "other_entrepreneur", "board"])
def test_the_consents_page_is_hers_and_her_advisors_and_never_ticked(personas, client_for, persona):
    who = {"owner": personas.entrepreneur, "other_entrepreneur": personas.other_entrepreneur}.get(persona)
    client = client_for(who or getattr(personas, persona))
    response = client.get(reverse("accounts:consents", args=[personas.entrepreneur.pk]))
    assert response.status_code == (404 if persona in {"other_entrepreneur", "board"} else 200)
    if response.status_code == 200:
        assert "checked" not in response.content.decode()


def test_an_unticked_box_records_nothing(client_for):
    profile = EntrepreneurFactory(email_reminders=False)
    url = reverse("accounts:consent_give", args=[profile.pk])
    client_for(profile).post(url, {"purpose": "email_reminders"})
    assert not consents.has_consent(profile, "email_reminders")
    client_for(profile).post(url, {"purpose": "email_reminders", "agree": "on"})
    assert consents.has_consent(profile, "email_reminders")


@pytest.fixture
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield TODAY


def _loan(borrower):
    first_due = TODAY + 3 * DAY
    return disbursed_loan(borrower=borrower, disbursed_on=first_due - 30 * DAY, first_due=first_due)


def test_reminder_emails_only_with_consent(frozen, django_capture_on_commit_callbacks):
    consenting, not_asked = EntrepreneurFactory(), EntrepreneurFactory(email_reminders=False)
    _loan(consenting), _loan(not_asked)
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_scan()
    assert (result.emails_queued, result.for_advisors) == (1, 1)
    assert [m.to for m in mail.outbox] == [[consenting.user.email]]
    assert Reminder.objects.get(loan__borrower=not_asked).channel == ReminderChannel.ADVISOR_DIGEST


def test_withdrawing_the_email_consent_stops_the_emails_at_once(
    frozen, personas, django_capture_on_commit_callbacks
):
    profile = EntrepreneurFactory()
    _loan(profile)
    with django_capture_on_commit_callbacks(execute=False):
        reminders_scan()  # claimed, the email not sent yet
    reminder = Reminder.objects.get()
    assert reminder.channel == ReminderChannel.EMAIL
    consents.consent_withdraw(profile=profile, purpose="email_reminders", recorded_by=profile.user)
    reminder.refresh_from_db()
    assert (reminder.channel, reminder.status) == (ReminderChannel.ADVISOR_DIGEST, ReminderStatus.PENDING)
    assert reminder_deliver(reminder_id=reminder.pk) == "skipped"
    assert mail.outbox == []


def _refer(personas, **kwargs):
    return coaching_services.referral_create(
        profile=personas.entrepreneur,
        partner=PartnerFactory(name="SAJE Montréal"),
        reason="Mentorat",
        created_by=personas.advisor,
        **kwargs,
    )


def test_a_referral_is_not_sent_without_consent_to_share_named_items(personas, client_for):
    client = client_for(personas.advisor)
    url = reverse("coaching:referral_create", args=[personas.entrepreneur.pk])
    partner = PartnerFactory(name="CDEC Centre-Nord")
    data = {"partner": partner.pk, "reason": "Local grant", "referred_on": "2026-11-30", "status": "sent"}
    response = client.post(url, {**data, "shared_items": "Nom, téléphone"})
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    assert not Referral.objects.exists()
    response = client.post(url, {**data, "shared_items": "Nom, téléphone", "consent": "on"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    record = ConsentRecord.objects.get(purpose="referral", subject=f"referral:{referral.pk}")
    assert "CDEC Centre-Nord" in record.text and "Nom, téléphone" in record.text
    assert record.recorded_by == personas.advisor


def test_withdrawing_a_referral_consent_stops_the_sharing(personas, client_for):
    referral = _refer(personas, shared_items="Nom", consent=True)
    client_for(personas.entrepreneur).post(
        reverse("accounts:consent_withdraw", args=[personas.entrepreneur.pk]),
        {"purpose": "referral", "subject": referral.consent_subject},
    )
    referral.refresh_from_db()
    assert referral.sharing_stopped_at is not None
    assert not coaching_services.referral_may_share(referral)
    response = client_for(personas.advisor).post(
        reverse("coaching:referral_detail", args=[referral.pk]), {"to_status": "sent"}
    )
    referral.refresh_from_db()
    assert referral.status == "proposed"
    assert response.status_code == 200
    page = client_for(personas.advisor).get(reverse("coaching:referral_detail", args=[referral.pk]))
    assert "tell the partner" in page.content.decode() or "avisez le partenaire" in page.content.decode()
