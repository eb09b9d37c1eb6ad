"""The demo data and the Django admin of coaching."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingKind,
    Milestone,
    MilestoneKind,
    Partner,
    PartnerKind,
    Referral,
    ReferralStatusChange,
    SessionTopic,
)
from tests.coaching.factories import CoachingSessionFactory, ReferralFactory

pytestmark = pytest.mark.django_db

MODELS = (
    CoachingSession,
    SessionTopic,
    Partner,
    Referral,
    ReferralStatusChange,
    FinancingApplication,
    Milestone,
)


def _snapshot():
    return [
        sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in {"created_at", "updated_at"}))
            for row in model.objects.values()
        )
        for model in MODELS
    ]


def _seed():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)


def test_the_demo_has_coaching_of_every_kind_and_is_stable():
    _seed()
    first = _snapshot()
    _seed()
    assert _snapshot() == first
    assert CoachingSession.objects.count() > 40
    assert CoachingSession.objects.exclude(staff_notes="").exists()
    referred_kinds = set(Referral.objects.values_list("partner__kind", flat=True))
    assert referred_kinds == set(PartnerKind.values)
    assert FinancingApplication.objects.filter(kind=FinancingKind.GRANT).count() >= 3
    assert FinancingApplication.objects.filter(kind=FinancingKind.INTRODUCTION).exists()
    assert {MilestoneKind.BUSINESS_REGISTERED, MilestoneKind.FIRST_SALE, MilestoneKind.JOBS_CREATED} <= set(
        Milestone.objects.values_list("kind", flat=True)
    )
    # Every referral and application has its history, starting from its creation.
    assert not Referral.objects.filter(status_changes__isnull=True).exists()
    assert not FinancingApplication.objects.filter(status_changes__isnull=True).exists()


def test_history_rows_are_read_only_in_the_admin(personas, client_for):
    referral = ReferralFactory(profile=personas.entrepreneur)
    change = referral.status_changes.get()
    client = client_for(personas.coordinator)
    url = reverse("admin:coaching_referralstatuschange_change", args=[change.pk])
    assert client.get(url).status_code == 200  # can be read
    response = client.post(url, {"to_status": "completed", "note": "rewritten"})
    change.refresh_from_db()
    assert (change.to_status, change.note) == ("proposed", "")
    assert response.status_code == 403
    assert client.get(reverse("admin:coaching_referralstatuschange_add")).status_code == 403
    assert (
        client.post(reverse("admin:coaching_referralstatuschange_delete", args=[change.pk])).status_code
        == 403
    )


def test_statuses_only_move_in_the_app(personas, client_for):
    referral = ReferralFactory(profile=personas.entrepreneur)
    client = client_for(personas.coordinator)
    page = client.get(reverse("admin:coaching_referral_change", args=[referral.pk])).content.decode()
    assert 'name="status"' not in page
    assert client.get(reverse("admin:coaching_referral_add")).status_code == 403


def test_the_coordinator_opens_coaching_records_in_the_admin(personas, client_for):
    session = CoachingSessionFactory(profile=personas.entrepreneur)
    client = client_for(personas.coordinator)
    assert client.get(reverse("admin:coaching_coachingsession_change", args=[session.pk])).status_code == 200
    response = client.get(reverse("admin:coaching_coachingsession_changelist"), {"topics__topic": "finances"})
    assert list(response.context["cl"].result_list) == [session]
