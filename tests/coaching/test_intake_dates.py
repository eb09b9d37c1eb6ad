"""The organization's work with an entrepreneur starts at her intake: a referral, a coaching session or a
financing application dated before her intake date is refused, at its date field, in her advisor's
language, and nothing typed is lost. Milestones may come before (a business registered before she came)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching import services
from coaching.models import CoachingSession, FinancingApplication, Milestone, Referral
from microcredit.core.formatting import format_date
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    PartnerFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db

FRENCH_START = "Cette date précède l'accueil de l'entrepreneur·e"


@pytest.fixture
def entrepreneur(personas):
    profile = personas.entrepreneur
    profile.intake_date = days_ago(30)
    profile.save(update_fields=["intake_date"])
    return profile


def _french_page(response) -> str:
    # The page escapes the apostrophe; read it back as typed.
    return response.content.decode().replace("&#x27;", "'").replace("&#39;", "'")


class TestReferrals:
    def _post(self, client, profile, partner, referred_on):
        return client.post(
            reverse("coaching:referral_create", args=[profile.pk]),
            {
                "partner": partner.pk,
                "reason": "Un mentor pour les prix",
                "referred_on": referred_on.isoformat(),
                "status": "proposed",
                "note": "Appelée d'abord",
                "shared_items": "Nom, courriel",
            },
        )

    def test_a_referral_before_the_intake_is_refused_at_its_date_in_french(
        self, personas, client_for, entrepreneur
    ):
        partner = PartnerFactory(kind="saco")
        response = self._post(client_for(personas.advisor), entrepreneur, partner, days_ago(31))
        assert response.status_code == 200
        form = response.context["form"]
        assert list(form.errors) == ["referred_on"]
        page = _french_page(response)
        intake = format_date(days_ago(30))
        assert f"{FRENCH_START} ({intake})\u00a0: entrez ce jour ou une date ultérieure." in page
        typed_in = ("Un mentor pour les prix", "Appelée d'abord", "Nom, courriel", days_ago(31).isoformat())
        for typed in typed_in:
            assert typed in page
        assert not Referral.objects.exists()

    def test_a_referral_on_the_intake_day_is_accepted(self, personas, client_for, entrepreneur):
        partner = PartnerFactory(kind="saco")
        response = self._post(client_for(personas.advisor), entrepreneur, partner, days_ago(30))
        assert response.status_code == 302
        assert Referral.objects.get().referred_on == days_ago(30)

    def test_the_service_refuses_it_whoever_calls(self, personas, entrepreneur):
        with pytest.raises(ValidationError) as refusal:
            services.referral_create(
                profile=entrepreneur,
                partner=PartnerFactory(),
                reason="x",
                created_by=personas.advisor,
                referred_on=days_ago(45),
            )
        assert list(refusal.value.message_dict) == ["referred_on"]


class TestSessions:
    def test_a_session_before_the_intake_is_refused_at_its_date(self, personas, client_for, entrepreneur):
        response = client_for(personas.advisor).post(
            reverse("coaching:session_create", args=[entrepreneur.pk]),
            {
                "held_on": days_ago(40).isoformat(),
                "duration_minutes": "45",
                "mode": "video",
                "advisor": personas.advisor.pk,
                "topics": ["marketing"],
                "shared_summary": "Nous avons fait votre liste de prix.",
                "staff_notes": "Semble fatiguée.",
            },
        )
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["held_on"]
        page = _french_page(response)
        assert FRENCH_START in page
        assert "Nous avons fait votre liste de prix." in page and "Semble fatiguée." in page
        assert not CoachingSession.objects.exists()

    def test_a_correction_cannot_move_a_session_before_the_intake(self, personas, entrepreneur):
        session = CoachingSessionFactory(profile=entrepreneur, held_on=days_ago(7))
        with pytest.raises(ValidationError) as refusal:
            services.session_update(session=session, changed_by=personas.advisor, held_on=days_ago(31))
        assert list(refusal.value.message_dict) == ["held_on"]
        session.refresh_from_db()
        assert session.held_on == days_ago(7)


class TestFinancing:
    def test_an_application_started_before_the_intake_is_refused(self, personas, client_for, entrepreneur):
        response = client_for(personas.advisor).post(
            reverse("coaching:financing_create", args=[entrepreneur.pk]),
            {
                "kind": "grant",
                "program": "Soutien au travail autonome",
                "amount_requested": "4000.00",
                "started_on": days_ago(60).isoformat(),
            },
        )
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["started_on"]
        assert "Soutien au travail autonome" in _french_page(response)
        assert not FinancingApplication.objects.exists()

    def test_a_correction_cannot_move_its_start_before_the_intake(self, personas, entrepreneur):
        application = FinancingApplicationFactory(profile=entrepreneur)
        with pytest.raises(ValidationError) as refusal:
            services.financing_update(
                application=application,
                changed_by=personas.advisor,
                program=application.program,
                partner=application.partner,
                amount_requested=application.amount_requested,
                started_on=days_ago(31),
            )
        assert list(refusal.value.message_dict) == ["started_on"]


def test_a_milestone_may_come_before_the_intake(personas, entrepreneur):
    milestone = services.milestone_record(
        profile=entrepreneur,
        kind="business_registered",
        achieved_on=days_ago(400),
        recorded_by=personas.advisor,
    )
    assert Milestone.objects.get() == milestone
