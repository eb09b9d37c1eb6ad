"""Create forms are sent once (issue #13, 7): each carries a one-time key, like the payment form; sending
the same form twice (a double click, a resent page) creates one row, and the second answer shows the first
result. A refused form keeps its key, so once corrected it is recorded, once."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from circles.models import Circle, Meeting, Training
from coaching.models import CoachingSession, FinancingApplication, Milestone, Partner, Referral
from loans.models import Loan
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.models import Submission
from microcredit.core.submissions import submit_once
from tests.circles.factories import circle_with_members
from tests.coaching.factories import PartnerFactory
from tests.loans.factories import LoanProductFactory

TODAY = timezone.localdate()


def page_key(response) -> str:
    match = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', response.content.decode())
    assert match, "the form carries no one-time key"
    return match.group(1)


@pytest.fixture
def cases(personas):
    profile = personas.entrepreneur
    circle = circle_with_members(4, advisor=personas.advisor)
    partner = PartnerFactory()
    product = LoanProductFactory()
    p = profile.pk
    return [
        (
            f"/coaching/entrepreneurs/{p}/sessions/new/",
            CoachingSession,
            {
                "held_on": TODAY.isoformat(),
                "duration_minutes": "60",
                "mode": "in_person",
                "advisor": personas.advisor.pk,
                "topics": ["marketing"],
                "shared_summary": "Prix revus",
            },
        ),
        (
            f"/coaching/entrepreneurs/{p}/milestones/new/",
            Milestone,
            {"kind": "first_sale", "achieved_on": TODAY.isoformat()},
        ),
        (
            f"/coaching/entrepreneurs/{p}/referrals/new/",
            Referral,
            {
                "partner": partner.pk,
                "reason": "Mentorat",
                "referred_on": TODAY.isoformat(),
                "status": "proposed",
            },
        ),
        (
            f"/coaching/entrepreneurs/{p}/financing/new/",
            FinancingApplication,
            {
                "kind": "grant",
                "program": "Fonds jeunesse",
                "amount_requested": "1 500,00",
                "started_on": TODAY.isoformat(),
                "status": "preparing",
            },
        ),
        (
            f"/circles/{circle.pk}/meetings/new/",
            Meeting,
            {
                "date": (TODAY + datetime.timedelta(days=7)).isoformat(),
                "start_time": "18:30",
                "place": "Local",
            },
        ),
        (
            "/loans/new/",
            Loan,
            {
                "borrower": p,
                "product": product.pk,
                "amount": "1 500,00",
                "term": "12",
                "purpose": "Four",
                "plan_summary": "Boulangerie",
            },
        ),
        (
            "/people/entrepreneurs/new/",
            EntrepreneurProfile,
            {
                "first_name": "Olivier",
                "last_name": "Bergeron",
                "language": "fr-ca",
                "advisor": personas.advisor.pk,
                "business_name": "Vélos Bergeron",
                "intake_date": TODAY.isoformat(),
                "business_sector": "retail",
                "business_stage": "idea",
            },
        ),
        (
            "/circles/new/",
            Circle,
            {"name": "Les Semeuses", "advisor": personas.advisor.pk, "meeting_rhythm": "monthly"},
        ),
        (
            "/circles/trainings/new/",
            Training,
            {
                "title": "Démarrer",
                "advisor": personas.advisor.pk,
                "start_date": TODAY.isoformat(),
                "end_date": TODAY.isoformat(),
            },
        ),
        (
            "/coaching/partners/new/",
            Partner,
            {
                "name": "SAJE Montréal",
                "kind": "saje",
                "contacts-TOTAL_FORMS": "0",
                "contacts-INITIAL_FORMS": "0",
            },
        ),
    ]


def test_every_create_form_sent_twice_creates_one_row_and_shows_the_first(personas, cases, client_for):
    client = client_for(personas.coordinator)
    for url, model, data in cases:
        form_page = client.get(url)
        assert form_page.status_code == 200, url
        data = {**data, "submission_key": page_key(form_page)}
        before = model.objects.count()
        first = client.post(url, data)
        assert first.status_code == 302, (url, first.context and first.context["form"].errors)
        second = client.post(url, data, follow=True)
        assert model.objects.count() == before + 1, url
        assert second.redirect_chain, (url, second.context and second.context["form"].errors)
        assert second.redirect_chain[0][0] == first["Location"], url
        assert "avait déjà été envoyé" in second.content.decode(), url
    assert Submission.objects.count() == len(cases)


def test_a_refused_form_keeps_its_key_and_is_recorded_once_corrected(personas, client_for):
    client = client_for(personas.advisor)
    url = f"/coaching/entrepreneurs/{personas.entrepreneur.pk}/referrals/new/"
    key = page_key(client.get(url))
    refused = client.post(url, {"reason": "Mentorat", "referred_on": "pas une date", "submission_key": key})
    assert refused.status_code == 200 and page_key(refused) == key
    assert not Submission.objects.exists()  # the refusal rolled its key back
    partner = PartnerFactory()
    good = {
        "partner": partner.pk,
        "reason": "Mentorat",
        "referred_on": TODAY.isoformat(),
        "status": "proposed",
    }
    assert client.post(url, {**good, "submission_key": key}).status_code == 302
    assert client.post(url, {**good, "submission_key": key}).status_code == 302
    assert Referral.objects.count() == 1


def test_a_key_is_not_someone_elses(personas, client_for):
    """A key replayed by another person shows them nothing of the first result."""
    url = f"/coaching/entrepreneurs/{personas.entrepreneur.pk}/milestones/new/"
    data = {"kind": "first_sale", "achieved_on": TODAY.isoformat(), "submission_key": str(uuid.uuid4())}
    assert client_for(personas.advisor).post(url, data).status_code == 302
    other = client_for(personas.coordinator).post(url, data)
    assert other.status_code == 200 and "déjà été envoyé" in other.content.decode()
    assert Milestone.objects.count() == 1


def test_submit_once_runs_create_once(personas):
    key, calls = uuid.uuid4(), []

    def create():
        calls.append(1)
        return PartnerFactory()

    first, created = submit_once(key=key, user=personas.advisor, create=create)
    again, created_again = submit_once(key=key, user=personas.advisor, create=create)
    assert (created, created_again, again, len(calls)) == (True, False, first, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_moment_creates_one_row():
    """Two requests with one key at the same instant: the second waits on the key's row, then finds it."""
    import threading

    from django.db import connection

    from tests.factories import AdvisorFactory

    advisor = AdvisorFactory()
    key, barrier, results = uuid.uuid4(), threading.Barrier(2), []

    def send():
        try:
            barrier.wait()
            results.append(submit_once(key=key, user=advisor, create=lambda: PartnerFactory(name="SACO"))[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Partner.objects.filter(name="SACO").count() == 1
