import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingKind,
    FinancingStatusChange,
    Milestone,
    MilestoneKind,
    Partner,
    PartnerContact,
    PartnerKind,
    Referral,
    ReferralStatusChange,
    SessionMode,
    SessionTopic,
    Topic,
)
from coaching.services import caseload_position_refresh
from tests.factories import EntrepreneurFactory

STAFF_SECRET = "STAFF-ONLY-7f3a: housing trouble, do not share"


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partenaire {n}")
    kind = PartnerKind.CDEC
    services = "Aide au démarrage"
    phone = "514 555-0200"


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    title = "Agente"


class CoachingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachingSession
        skip_postgeneration_save = True

    profile = factory.SubFactory(EntrepreneurFactory)
    advisor = factory.LazyAttribute(lambda o: o.profile.advisor)
    held_on = factory.LazyFunction(lambda: days_ago(7))
    duration_minutes = 60
    mode = SessionMode.IN_PERSON
    staff_notes = STAFF_SECRET
    shared_summary = "We reviewed the start-up budget."
    next_steps = "Send three quotes."
    next_follow_up_on = factory.LazyAttribute(lambda o: o.held_on + datetime.timedelta(days=14))

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create:
            for topic in extracted or [Topic.FINANCES]:
                SessionTopic.objects.create(session=self, topic=topic)

    @factory.post_generation
    def position(self, create, extracted, **kwargs):
        # Sessions made here skip the services: keep the person's caseload position as they would.
        if create:
            caseload_position_refresh(profile_ids=[self.profile_id])


class ReferralFactory(factory.django.DjangoModelFactory):
    """A proposed referral with the first row of its history."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    profile = factory.SubFactory(EntrepreneurFactory)
    partner = factory.SubFactory(PartnerFactory)
    reason = "Needs help to register the business."
    referred_on = factory.LazyFunction(lambda: days_ago(3))

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            ReferralStatusChange.objects.create(referral=self, from_status="", to_status=self.status)
            caseload_position_refresh(profile_ids=[self.profile_id])


class FinancingApplicationFactory(factory.django.DjangoModelFactory):
    """A grant application in preparation with the first row of its history."""

    class Meta:
        model = FinancingApplication
        skip_postgeneration_save = True

    profile = factory.SubFactory(EntrepreneurFactory)
    kind = FinancingKind.GRANT
    program = "Fonds jeunes entrepreneurs"
    amount_requested = Decimal("2500.00")
    started_on = factory.LazyFunction(lambda: days_ago(30))

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            FinancingStatusChange.objects.create(application=self, from_status="", to_status=self.status)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    profile = factory.SubFactory(EntrepreneurFactory)
    kind = MilestoneKind.FIRST_SALE
    achieved_on = factory.LazyFunction(lambda: days_ago(10))
