"""The coaching screens over real HTTP requests: what each persona does, and bad input that loses nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    Milestone,
    Partner,
    Referral,
    ReferralStatus,
)
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    PartnerContactFactory,
    PartnerFactory,
    ReferralFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


def _session_post(personas, **overrides):
    data = {
        "held_on": days_ago(0).isoformat(),
        "duration_minutes": "45",
        "mode": "video",
        "advisor": personas.advisor.pk,
        "topics": ["marketing", "digital"],
        "shared_summary": "We built your price list.",
        "next_steps": "Call five customers.",
        "next_follow_up_on": days_ago(-14).isoformat(),
        "staff_notes": "Seems tired.",
    }
    data.update(overrides)
    return data


class TestSessions:
    def test_an_advisor_records_a_session_from_the_file(self, personas, client_for):
        client = client_for(personas.advisor)
        url = reverse("coaching:session_create", args=[personas.entrepreneur.pk])
        form = client.get(url).context["form"]
        assert form.initial["advisor"] == personas.advisor
        response = client.post(url, _session_post(personas))
        assert response.status_code == 302
        assert response.url == reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk])
        session = CoachingSession.objects.get()
        assert (session.profile, session.advisor, session.mode, session.created_by) == (
            personas.entrepreneur,
            personas.advisor,
            "video",
            personas.advisor,
        )
        assert session.topic_values == ["digital", "marketing"]
        assert session.staff_notes == "Seems tired."

    def test_another_advisor_may_record_one_for_a_colleagues_entrepreneur(self, personas, client_for):
        response = client_for(personas.other_advisor).post(
            reverse("coaching:session_create", args=[personas.entrepreneur.pk]),
            _session_post(personas, advisor=personas.other_advisor.pk),
        )
        assert response.status_code == 302
        assert CoachingSession.objects.get().advisor == personas.other_advisor

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"held_on": days_ago(-2).isoformat()}, "held_on"),
            ({"topics": []}, "topics"),
            ({"duration_minutes": "0"}, "duration_minutes"),
            ({"duration_minutes": "abc"}, "duration_minutes"),
            ({"next_follow_up_on": days_ago(3).isoformat()}, "next_follow_up_on"),
            ({"mode": "fax"}, "mode"),
            ({"advisor": "board"}, "advisor"),
        ],
    )
    def test_bad_input_is_refused_with_a_message_and_nothing_is_lost(
        self, personas, client_for, overrides, field
    ):
        if overrides.get("advisor") == "board":
            overrides["advisor"] = personas.board.pk
        response = client_for(personas.advisor).post(
            reverse("coaching:session_create", args=[personas.entrepreneur.pk]),
            _session_post(personas, **overrides),
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {field}
        assert not CoachingSession.objects.exists()
        page = response.content.decode()
        assert "We built your price list." in page and "Seems tired." in page

    def test_a_session_is_corrected(self, personas, client_for):
        session = CoachingSessionFactory(profile=personas.entrepreneur)
        client = client_for(personas.coordinator)
        url = reverse("coaching:session_update", args=[session.pk])
        assert client.get(url).context["form"].initial["topics"] == ["finances"]
        response = client.post(url, _session_post(personas, topics=["legal"], duration_minutes="30"))
        assert response.url == reverse("coaching:session_detail", args=[session.pk])
        session.refresh_from_db()
        assert (session.duration_minutes, session.topic_values) == (30, ["legal"])

    def test_the_session_page_shows_the_staff_notes_to_the_staff(self, personas, english_client_for):
        session = CoachingSessionFactory(profile=personas.entrepreneur, staff_notes="Private matter")
        page = english_client_for(personas.other_advisor).get(
            reverse("coaching:session_detail", args=[session.pk])
        )
        assert "Private matter" in page.content.decode()


class TestReferrals:
    def test_an_advisor_refers_then_follows_the_referral(self, personas, client_for):
        partner = PartnerFactory(kind="saco")
        client = client_for(personas.advisor)
        response = client.post(
            reverse("coaching:referral_create", args=[personas.entrepreneur.pk]),
            {
                "partner": partner.pk,
                "reason": "A mentor for pricing",
                "referred_on": days_ago(1).isoformat(),
                "status": "proposed",
                "note": "Called first",
                "shared_items": "Nom, courriel",
                "consent": "on",
            },
        )
        referral = Referral.objects.get()
        assert response.url == reverse("coaching:referral_detail", args=[referral.pk])
        page = client.get(response.url)
        assert [value for value, _label in page.context["form"].fields["to_status"].choices] == [
            "sent",
            "declined",
        ]
        client.post(response.url, {"to_status": "sent", "note": "Form sent"})
        response = client.post(response.url, {"to_status": "completed", "outcome": "Mentor found"})
        assert response.status_code == 302
        referral.refresh_from_db()
        assert (referral.status, referral.outcome) == ("completed", "Mentor found")
        history = list(referral.status_changes.values_list("to_status", "note", "changed_by"))
        assert history == [
            ("proposed", "Called first", personas.advisor.pk),
            ("sent", "Form sent", personas.advisor.pk),
            ("completed", "", personas.advisor.pk),
        ]
        assert (
            "Called first"
            in client.get(reverse("coaching:referral_detail", args=[referral.pk])).content.decode()
        )

    def test_a_jump_or_a_missing_outcome_is_refused_and_the_input_comes_back(self, personas, client_for):
        referral = ReferralFactory(profile=personas.entrepreneur)
        url = reverse("coaching:referral_detail", args=[referral.pk])
        client = client_for(personas.advisor)
        response = client.post(url, {"to_status": "completed", "outcome": "Done", "note": "typed note"})
        assert response.status_code == 200
        assert "to_status" in response.context["form"].errors
        assert "typed note" in response.content.decode()
        response = client.post(url, {"to_status": "declined", "note": "typed"})
        assert set(response.context["form"].errors) == {"outcome"}
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.PROPOSED
        assert referral.status_changes.count() == 1

    def test_only_active_partners_are_offered(self, personas, client_for):
        active, inactive = PartnerFactory(), PartnerFactory(is_active=False)
        form = (
            client_for(personas.advisor)
            .get(reverse("coaching:referral_create", args=[personas.entrepreneur.pk]))
            .context["form"]
        )
        assert list(form.fields["partner"].queryset) == [active]
        response = client_for(personas.advisor).post(
            reverse("coaching:referral_create", args=[personas.entrepreneur.pk]),
            {
                "partner": inactive.pk,
                "reason": "x",
                "referred_on": days_ago(0).isoformat(),
                "status": "proposed",
            },
        )
        assert "partner" in response.context["form"].errors
        assert not Referral.objects.exists()

    def test_the_referral_list_shows_what_is_open_by_default(self, personas, client_for):
        open_one = ReferralFactory(profile=personas.entrepreneur)
        closed = ReferralFactory(profile=personas.other_entrepreneur, status="declined", outcome="Not now")
        client = client_for(personas.advisor)
        url = reverse("coaching:referral_list")
        assert list(client.get(url).context["object_list"]) == [open_one]
        assert set(client.get(url, {"open": ""}).context["object_list"]) == {open_one, closed}
        assert list(client.get(url, {"q": "fatou", "open": ""}).context["object_list"]) == [closed]
        assert list(client.get(url, {"advisor": personas.advisor.pk, "open": ""}).context["object_list"]) == [
            open_one
        ]
        assert list(client.get(url, {"open": "false"}).context["object_list"]) == [closed]
        assert list(client.get(url, {"page": "1"}).context["object_list"]) == [open_one]

    def test_the_referral_list_is_bounded(self, personas, client_for, queries_for):
        client = client_for(personas.advisor)
        ReferralFactory.create_batch(3, profile=personas.entrepreneur)
        small = queries_for(client, reverse("coaching:referral_list"))
        ReferralFactory.create_batch(30)
        assert queries_for(client, reverse("coaching:referral_list")) == small


class TestFinancing:
    def test_a_grant_application_is_recorded_then_approved(self, personas, client_for):
        client = client_for(personas.advisor)
        response = client.post(
            reverse("coaching:financing_create", args=[personas.entrepreneur.pk]),
            {
                "kind": "grant",
                "program": "Soutien au travail autonome",
                "amount_requested": "4000.00",
                "started_on": days_ago(20).isoformat(),
            },
        )
        application = FinancingApplication.objects.get()
        assert response.url == reverse("coaching:financing_detail", args=[application.pk])
        client.post(response.url, {"to_status": "submitted", "on": days_ago(10).isoformat()})
        response = client.post(
            response.url, {"to_status": "approved", "on": days_ago(1).isoformat(), "amount_obtained": "3500"}
        )
        assert response.status_code == 302
        application.refresh_from_db()
        assert (
            application.status,
            application.amount_obtained,
            application.submitted_on,
            application.decided_on,
        ) == (
            "approved",
            Decimal("3500.00"),
            days_ago(10),
            days_ago(1),
        )
        assert application.status_changes.count() == 3

    def test_bad_financing_input_is_explained(self, personas, client_for):
        client = client_for(personas.advisor)
        url = reverse("coaching:financing_create", args=[personas.entrepreneur.pk])
        cdec = PartnerFactory(kind="cdec")
        response = client.post(url, {"kind": "grant", "program": "P", "started_on": days_ago(0).isoformat()})
        assert set(response.context["form"].errors) == {"amount_requested"}
        response = client.post(
            url,
            {
                "kind": "introduction",
                "program": "Account",
                "partner": cdec.pk,
                "started_on": days_ago(0).isoformat(),
            },
        )
        assert set(response.context["form"].errors) == {"partner"}
        response = client.post(
            url,
            {
                "kind": "grant",
                "program": "P",
                "amount_requested": "-5",
                "started_on": days_ago(0).isoformat(),
            },
        )
        assert set(response.context["form"].errors) == {"amount_requested"}
        assert not FinancingApplication.objects.exists()
        application = FinancingApplicationFactory(profile=personas.entrepreneur)
        detail = reverse("coaching:financing_detail", args=[application.pk])
        response = client.post(
            detail, {"to_status": "submitted", "on": days_ago(0).isoformat(), "amount_obtained": "5"}
        )
        assert set(response.context["form"].errors) == {"amount_obtained"}
        response = client.post(detail, {"to_status": "submitted", "on": days_ago(400).isoformat()})
        assert set(response.context["form"].errors) == {"on"}
        application.refresh_from_db()
        assert application.status == "preparing"

    def test_an_application_is_corrected_but_its_kind_stays(self, personas, client_for):
        application = FinancingApplicationFactory(profile=personas.entrepreneur)
        response = client_for(personas.advisor).post(
            reverse("coaching:financing_update", args=[application.pk]),
            {
                "kind": "introduction",
                "program": "Renamed",
                "amount_requested": "1000",
                "started_on": days_ago(3).isoformat(),
            },
        )
        assert response.status_code == 302
        application.refresh_from_db()
        assert (application.kind, application.program, application.amount_requested) == (
            "grant",
            "Renamed",
            Decimal("1000.00"),
        )


class TestMilestones:
    def test_milestones_are_recorded_with_their_value(self, personas, client_for):
        client = client_for(personas.advisor)
        url = reverse("coaching:milestone_create", args=[personas.entrepreneur.pk])
        response = client.post(
            url, {"kind": "jobs_created", "achieved_on": days_ago(2).isoformat(), "jobs_count": "2"}
        )
        assert response.status_code == 302
        assert Milestone.objects.get().jobs_count == 2

    def test_a_second_first_sale_is_refused_on_the_form(self, personas, client_for):
        client = client_for(personas.advisor)
        url = reverse("coaching:milestone_create", args=[personas.entrepreneur.pk])
        data = {"kind": "first_sale", "achieved_on": days_ago(2).isoformat(), "note": "Market day"}
        client.post(url, data)
        response = client.post(url, data)
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"kind"}
        assert "Market day" in response.content.decode()
        response = client.post(url, {"kind": "revenue_band", "achieved_on": days_ago(2).isoformat()})
        assert set(response.context["form"].errors) == {"revenue_band"}
        assert Milestone.objects.count() == 1


class TestPartners:
    def test_a_coordinator_adds_a_partner_with_contacts(self, personas, client_for):
        client = client_for(personas.coordinator)
        data = {
            "name": "CDEC Rosemont",
            "kind": "cdec",
            "services": "Start-up help",
            "phone": "514 555-0100",
            "email": "info@cdec.example.org",
            "website": "cdec.example.org",
            "address": "",
            "is_active": "on",
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
            "contacts-0-name": "Louise Gendron",
            "contacts-0-title": "Agente",
            "contacts-0-email": "louise@cdec.example.org",
            "contacts-0-phone": "",
            "contacts-1-name": "",
        }
        response = client.post(reverse("coaching:partner_create"), data)
        partner = Partner.objects.get()
        assert response.url == reverse("coaching:partner_detail", args=[partner.pk])
        assert partner.website == "https://cdec.example.org"
        assert list(partner.contacts.values_list("name", "title")) == [("Louise Gendron", "Agente")]

    def test_a_coordinator_edits_and_removes_contacts(self, personas, client_for):
        contact = PartnerContactFactory(name="Old contact")
        partner = contact.partner
        data = {
            "name": partner.name,
            "kind": "saje",
            "services": "",
            "phone": "",
            "email": "",
            "website": "",
            "address": "",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "1",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
            "contacts-0-id": contact.pk,
            "contacts-0-partner": partner.pk,
            "contacts-0-name": "Old contact",
            "contacts-0-DELETE": "on",
        }
        response = client_for(personas.coordinator).post(
            reverse("coaching:partner_update", args=[partner.pk]), data
        )
        assert response.status_code == 302
        partner.refresh_from_db()
        assert (partner.kind, partner.is_active, partner.contacts.count()) == ("saje", False, 0)

    def test_bad_partner_input_loses_nothing(self, personas, client_for):
        PartnerFactory(name="SAJE Est")
        data = {
            "name": "saje est",
            "kind": "saje",
            "email": "not-an-email",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
            "contacts-0-name": "Kept Contact",
            "contacts-0-email": "bad",
        }
        response = client_for(personas.coordinator).post(reverse("coaching:partner_create"), data)
        assert response.status_code == 200
        assert {"email"} <= set(response.context["form"].errors)
        assert response.context["contacts"].errors[0] == {
            "email": response.context["contacts"].errors[0]["email"]
        }
        assert "Kept Contact" in response.content.decode()
        assert Partner.objects.count() == 1

    def test_the_directory_for_advisors_is_bounded(self, personas, client_for, queries_for):
        client = client_for(personas.advisor)
        PartnerContactFactory.create_batch(3)
        small = queries_for(client, reverse("coaching:partner_list"))
        for partner in PartnerFactory.create_batch(20):
            PartnerContactFactory.create_batch(2, partner=partner)
            ReferralFactory(partner=partner)
        assert queries_for(client, reverse("coaching:partner_list")) == small
        assert (
            list(client.get(reverse("coaching:partner_list"), {"kind": "saje"}).context["object_list"]) == []
        )
