"""The database itself refuses what must never be stored, whatever writes it."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from coaching.models import (
    FinancingKind,
    FinancingStatus,
    FinancingStatusChange,
    MilestoneKind,
    ReferralStatus,
    ReferralStatusChange,
    SessionTopic,
)
from microcredit.core.models import OrganizationSettings
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    MilestoneFactory,
    PartnerFactory,
    ReferralFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_sessions(personas):
    profile = personas.entrepreneur
    refused(lambda: CoachingSessionFactory(profile=profile, duration_minutes=0))
    refused(lambda: CoachingSessionFactory(profile=profile, duration_minutes=601))
    refused(lambda: CoachingSessionFactory(profile=profile, mode="carrier_pigeon"))
    refused(
        lambda: CoachingSessionFactory(profile=profile, held_on=days_ago(1), next_follow_up_on=days_ago(2))
    )
    session = CoachingSessionFactory(profile=profile, topics=["legal"])
    refused(lambda: SessionTopic.objects.create(session=session, topic="legal"))
    refused(lambda: SessionTopic.objects.create(session=session, topic="astrology"))


def test_referrals(personas):
    profile = personas.entrepreneur
    refused(lambda: ReferralFactory(profile=profile, status="lost"))
    refused(lambda: ReferralFactory(profile=profile, status=ReferralStatus.COMPLETED, outcome=""))
    refused(lambda: ReferralFactory(profile=profile, status=ReferralStatus.DECLINED, outcome=""))
    referral = ReferralFactory(profile=profile, status=ReferralStatus.COMPLETED, outcome="Registered.")
    refused(
        lambda: ReferralStatusChange.objects.create(referral=referral, from_status="sent", to_status="sent")
    )
    refused(lambda: PartnerFactory(name=referral.partner.name.upper()))
    refused(lambda: PartnerFactory(kind="bank"))


def test_financing(personas):
    profile = personas.entrepreneur
    bank = PartnerFactory(kind="financial_institution")
    refused(lambda: FinancingApplicationFactory(profile=profile, amount_requested=None))  # a grant
    refused(lambda: FinancingApplicationFactory(profile=profile, amount_requested=Decimal("0.00")))
    refused(
        lambda: FinancingApplicationFactory(profile=profile, kind=FinancingKind.INTRODUCTION, partner=None)
    )
    approved = {"status": FinancingStatus.APPROVED, "submitted_on": days_ago(20), "decided_on": days_ago(10)}
    refused(lambda: FinancingApplicationFactory(profile=profile, amount_obtained=None, **approved))
    refused(
        lambda: FinancingApplicationFactory(
            profile=profile, status=FinancingStatus.SUBMITTED, submitted_on=days_ago(5), amount_obtained=1
        )
    )
    refused(lambda: FinancingApplicationFactory(profile=profile, status=FinancingStatus.SUBMITTED))
    refused(
        lambda: FinancingApplicationFactory(
            profile=profile, **{**approved, "decided_on": days_ago(25)}, amount_obtained=Decimal("10.00")
        )
    )
    refused(lambda: FinancingApplicationFactory(profile=profile, submitted_on=days_ago(40)))  # before start
    application = FinancingApplicationFactory(
        profile=profile, kind=FinancingKind.INTRODUCTION, partner=bank, amount_requested=None
    )
    refused(
        lambda: FinancingStatusChange.objects.create(
            application=application, from_status="preparing", to_status="preparing"
        )
    )


def test_milestones(personas):
    profile = personas.entrepreneur
    refused(lambda: MilestoneFactory(profile=profile, kind=MilestoneKind.JOBS_CREATED, jobs_count=None))
    refused(lambda: MilestoneFactory(profile=profile, kind=MilestoneKind.JOBS_CREATED, jobs_count=0))
    refused(lambda: MilestoneFactory(profile=profile, kind=MilestoneKind.FIRST_SALE, jobs_count=2))
    refused(lambda: MilestoneFactory(profile=profile, kind=MilestoneKind.REVENUE_BAND, revenue_band=""))
    refused(
        lambda: MilestoneFactory(profile=profile, kind=MilestoneKind.FIRST_SALE, revenue_band="under_10k")
    )
    MilestoneFactory(profile=profile, kind=MilestoneKind.BUSINESS_REGISTERED)
    refused(lambda: MilestoneFactory(profile=profile, kind=MilestoneKind.BUSINESS_REGISTERED))
    # Repeatable milestones can come back over time.
    MilestoneFactory(profile=profile, kind=MilestoneKind.JOBS_CREATED, jobs_count=1)
    MilestoneFactory(
        profile=profile, kind=MilestoneKind.JOBS_CREATED, jobs_count=2, achieved_on=datetime.date(2026, 1, 5)
    )


def test_the_no_contact_setting_stays_in_range():
    settings = OrganizationSettings.load()
    settings.coaching_no_contact_days = 0
    refused(settings.save)
    assert OrganizationSettings.load().coaching_no_contact_days == 30
