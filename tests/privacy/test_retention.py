"""Retention that anonymizes (Law 25, pt 5): the dry-run list, the pass, the record of what was done, and the
board's report giving the same totals before and after."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import BusinessFollowUp, Membership
from loans import selectors as loan_selectors
from loans import services as loan_services
from microcredit.accounts.models import Demographics, EntrepreneurProfile
from microcredit.core.models import OrganizationSettings
from privacy import services
from privacy.models import AnonymizationRecord
from privacy.tasks import retention_pass
from reports.selectors import portfolio_figures
from tests.circles.factories import MeetingFactory
from tests.coaching.factories import CoachingSessionFactory
from tests.factories import DemographicsFactory, EntrepreneurFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db
YEARS = 365


def _years_from_now(years: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=years * YEARS + 2)


@pytest.fixture
def repaid_borrower(personas):
    """Marie repaid her loan today and has left her circle."""
    profile = personas.entrepreneur
    loan = disbursed_loan(borrower=profile, advisor=personas.advisor)
    DemographicsFactory(profile=profile)
    BusinessFollowUp.objects.create(
        meeting=MeetingFactory(circle=loan.circle), profile=profile, progress="Ventes au marché Jean-Talon"
    )
    loan_services.payment_record(
        loan=loan,
        amount=loan_selectors.amount_owed(loan),
        paid_on=timezone.localdate(),
        method="cash",
        recorded_by=personas.advisor,
    )
    Membership.objects.filter(profile=profile).update(left_on=timezone.localdate(), leave_reason="left")
    loan.refresh_from_db()
    assert loan.status == "repaid"
    return profile


def test_the_dry_run_lists_only_files_past_retention(repaid_borrower, personas):
    never_borrowed = EntrepreneurFactory(intake_date=timezone.localdate())
    coached = EntrepreneurFactory(intake_date=timezone.localdate())
    CoachingSessionFactory(profile=coached, held_on=timezone.localdate())
    # 3 years later (the default for people who never borrowed) both are listed; the borrower is not yet (7
    # years after her last loan).
    ids = {c.profile_id for c in services.retention_candidates(today=_years_from_now(3))}
    assert never_borrowed.pk in ids and coached.pk in ids and repaid_borrower.pk not in ids
    assert {c.profile_id for c in services.retention_candidates(today=_years_from_now(1))} == set()
    borrower = next(
        c
        for c in services.retention_candidates(today=_years_from_now(7))
        if c.profile_id == repaid_borrower.pk
    )
    assert borrower.category == "borrower" and borrower.last_activity == timezone.localdate()
    assert EntrepreneurProfile.objects.filter(anonymized_at__isnull=False).count() == 0  # a dry run


def test_the_pass_anonymizes_keeps_the_accounts_and_records_it(repaid_borrower, personas):
    today = timezone.localdate()
    period = {"as_of": today, "start": today - datetime.timedelta(days=365), "end": today}
    before = portfolio_figures(**period)["totals"]
    records = services.retention_run(today=_years_from_now(7), by=personas.coordinator)
    assert repaid_borrower.pk in {r.profile_id for r in records}
    profile = EntrepreneurProfile.objects.select_related("user").get(pk=repaid_borrower.pk)
    assert (profile.user.first_name, profile.user.email, profile.user.phone) == ("", "", "")
    assert (
        "Tremblay" not in str(profile)
        and not profile.user.is_active
        and not profile.user.has_usable_password()
    )
    assert profile.business_name == "" and profile.anonymized_at is not None
    assert not Demographics.objects.filter(profile=profile).exists()
    assert BusinessFollowUp.objects.get(profile=profile).progress == ""
    record = AnonymizationRecord.objects.get(profile=profile)
    assert record.anonymized_by == personas.coordinator and "demographics" in record.what
    assert portfolio_figures(**period)["totals"] == before  # the board's figures do not move
    assert profile.loans.get().amount == Decimal("1500.00")  # the financial rows stay
    assert services.retention_run(today=_years_from_now(7)) == []  # a second pass does nothing


def test_the_beat_task_waits_for_the_officer_to_switch_it_on(repaid_borrower):
    EntrepreneurFactory(intake_date=timezone.localdate() - datetime.timedelta(days=5 * YEARS))
    assert retention_pass() == 0
    settings = OrganizationSettings.load()
    settings.retention_pass_enabled = True
    settings.save()
    assert retention_pass() == 1
    assert AnonymizationRecord.objects.count() == 1


def test_the_retention_page_is_the_officers(personas, client_for):
    EntrepreneurFactory(
        user__first_name="Ancienne", intake_date=timezone.localdate() - datetime.timedelta(days=5 * YEARS)
    )
    url = reverse("privacy:retention")
    page = client_for(personas.coordinator).get(url).content.decode()
    assert "Ancienne" in page
    assert client_for(personas.advisor).get(url).status_code == 404
    assert client_for(personas.coordinator).post(url).status_code == 302
    assert AnonymizationRecord.objects.count() == 1
