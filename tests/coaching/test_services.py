"""The rules of coaching, as the services enforce them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching import services
from coaching.models import (
    CoachingSession,
    FinancingKind,
    FinancingStatus,
    FinancingStatusChange,
    Milestone,
    MilestoneKind,
    PartnerKind,
    Referral,
    ReferralStatusChange,
)
from microcredit.accounts.models import AdvisorAssignment
from tests.coaching.factories import PartnerContactFactory, PartnerFactory, days_ago
from tests.factories import EntrepreneurFactory

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


def _session(personas, **overrides):
    data = {
        "profile": personas.entrepreneur,
        "advisor": personas.advisor,
        "held_on": days_ago(1),
        "duration_minutes": 45,
        "mode": "phone",
        "topics": ["marketing", "finances"],
        "recorded_by": personas.advisor,
        "staff_notes": "private",
        "shared_summary": "shared",
        "next_steps": "steps",
        "next_follow_up_on": days_ago(-14),
    }
    return services.session_record(**{**data, **overrides})


class TestSessions:
    def test_a_session_is_recorded_with_its_topics(self, personas):
        session = _session(personas)
        assert session.topic_values == ["finances", "marketing"]
        assert (session.mode, session.duration_minutes, session.created_by) == ("phone", 45, personas.advisor)

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"held_on": days_ago(-1)}, "held_on"),
            ({"topics": []}, "topics"),
            ({"topics": ["astrology"]}, "topics"),
            ({"duration_minutes": 0}, "duration_minutes"),
            ({"next_follow_up_on": days_ago(5)}, "__all__"),
        ],
    )
    def test_bad_sessions_are_refused_with_the_field_named(self, personas, overrides, field):
        with pytest.raises(ValidationError) as excinfo:
            _session(personas, **overrides)
        assert field in _errors(excinfo)
        assert not CoachingSession.objects.exists()

    def test_only_active_staff_hold_sessions(self, personas):
        with pytest.raises(ValidationError) as excinfo:
            _session(personas, advisor=personas.board)
        assert _errors(excinfo) == {"advisor"}
        personas.other_advisor.is_active = False
        personas.other_advisor.save()
        with pytest.raises(ValidationError):
            _session(personas, advisor=personas.other_advisor)
        assert _session(personas, advisor=personas.coordinator).advisor == personas.coordinator

    def test_a_session_is_corrected_topics_included(self, personas):
        session = _session(personas)
        services.session_update(
            session=session, changed_by=personas.coordinator, topics=["legal"], duration_minutes=90
        )
        session.refresh_from_db()
        assert (session.topic_values, session.duration_minutes) == (["legal"], 90)
        with pytest.raises(TypeError):
            services.session_update(session=session, changed_by=None, profile=personas.other_entrepreneur)


class TestReferrals:
    def test_a_referral_moves_along_its_path_and_keeps_its_history(self, personas):
        partner = PartnerFactory(kind=PartnerKind.SAJE)
        referral = services.referral_create(
            profile=personas.entrepreneur,
            partner=partner,
            reason="Youth support",
            created_by=personas.advisor,
            note="first call",
            shared_items="Nom, téléphone",
            consent=True,
        )
        services.referral_change_status(referral=referral, to_status="sent", changed_by=personas.advisor)
        services.referral_change_status(
            referral=referral, to_status="in_progress", changed_by=personas.other_advisor, note="called SAJE"
        )
        services.referral_change_status(
            referral=referral,
            to_status="completed",
            changed_by=personas.advisor,
            outcome="Business plan done",
        )
        referral.refresh_from_db()
        assert (referral.status, referral.outcome) == ("completed", "Business plan done")
        history = list(referral.status_changes.values_list("from_status", "to_status", "changed_by", "note"))
        assert history == [
            ("", "proposed", personas.advisor.pk, "first call"),
            ("proposed", "sent", personas.advisor.pk, ""),
            ("sent", "in_progress", personas.other_advisor.pk, "called SAJE"),
            ("in_progress", "completed", personas.advisor.pk, ""),
        ]
        assert all(change.changed_at <= timezone.now() for change in referral.status_changes.all())

    @pytest.mark.parametrize(
        ("path", "forbidden"),
        [
            ([], "completed"),
            ([], "in_progress"),
            (["declined"], "sent"),
            (["sent", "completed"], "in_progress"),
            ([], "proposed"),
            ([], "lost"),
        ],
    )
    def test_a_referral_cannot_jump(self, personas, path, forbidden):
        referral = services.referral_create(
            profile=personas.entrepreneur,
            partner=PartnerFactory(),
            reason="x",
            created_by=None,
            shared_items="Nom",
            consent=True,
        )
        for status in path:
            services.referral_change_status(referral=referral, to_status=status, changed_by=None, outcome="o")
        before = ReferralStatusChange.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            services.referral_change_status(
                referral=referral, to_status=forbidden, changed_by=None, outcome="o"
            )
        assert _errors(excinfo) == {"to_status"}
        assert ReferralStatusChange.objects.count() == before

    def test_a_stale_copy_cannot_move_a_referral_twice(self, personas):
        referral = services.referral_create(
            profile=personas.entrepreneur,
            partner=PartnerFactory(),
            reason="x",
            created_by=None,
            shared_items="Nom",
            consent=True,
        )
        stale = Referral.objects.get(pk=referral.pk)
        services.referral_change_status(referral=referral, to_status="sent", changed_by=personas.advisor)
        # A second advisor, whose page still showed "proposed", sends it again: the database says no.
        with pytest.raises(ValidationError):
            services.referral_change_status(
                referral=stale, to_status="sent", changed_by=personas.other_advisor
            )
        assert referral.status_changes.count() == 2

    def test_closing_needs_an_outcome(self, personas):
        referral = services.referral_create(
            profile=personas.entrepreneur, partner=PartnerFactory(), reason="x", created_by=None
        )
        with pytest.raises(ValidationError) as excinfo:
            services.referral_change_status(referral=referral, to_status="declined", changed_by=None)
        assert _errors(excinfo) == {"outcome"}
        assert Referral.objects.get().status == "proposed"

    def test_refused_at_creation(self, personas):
        inactive = PartnerFactory(is_active=False)
        with pytest.raises(ValidationError) as excinfo:
            services.referral_create(
                profile=personas.entrepreneur, partner=inactive, reason="x", created_by=None
            )
        assert _errors(excinfo) == {"partner"}
        with pytest.raises(ValidationError) as excinfo:
            services.referral_create(
                profile=personas.entrepreneur,
                partner=PartnerFactory(),
                reason="x",
                created_by=None,
                status="completed",
            )
        assert _errors(excinfo) == {"status"}
        with pytest.raises(ValidationError) as excinfo:
            services.referral_create(
                profile=personas.entrepreneur, partner=PartnerFactory(), reason=" ", created_by=None
            )
        assert _errors(excinfo) == {"reason"}
        assert not Referral.objects.exists()


class TestFinancing:
    def test_a_grant_application_from_preparation_to_approval(self, personas):
        application = services.financing_create(
            profile=personas.entrepreneur,
            kind=FinancingKind.GRANT,
            program="Soutien au travail autonome",
            amount_requested=Decimal("3000"),
            started_on=days_ago(30),
            created_by=personas.advisor,
        )
        assert application.amount_requested == Decimal("3000.00")
        services.financing_change_status(
            application=application, to_status="submitted", on=days_ago(20), changed_by=personas.advisor
        )
        services.financing_change_status(
            application=application,
            to_status="approved",
            on=days_ago(5),
            amount_obtained=Decimal("2500.505"),
            changed_by=personas.advisor,
            note="good news",
        )
        application.refresh_from_db()
        assert (application.status, application.submitted_on, application.decided_on) == (
            "approved",
            days_ago(20),
            days_ago(5),
        )
        assert application.amount_obtained == Decimal("2500.51")  # rounded half up to the cent
        assert list(application.status_changes.values_list("from_status", "to_status")) == [
            ("", "preparing"),
            ("preparing", "submitted"),
            ("submitted", "approved"),
        ]

    def test_the_rules_of_each_move(self, personas):
        application = services.financing_create(
            profile=personas.entrepreneur, kind="grant", program="P", amount_requested=100, created_by=None
        )
        cases = [
            ({"to_status": "approved", "amount_obtained": Decimal(1)}, "to_status"),  # not submitted yet
            ({"to_status": "submitted", "on": days_ago(-2)}, "on"),  # in the future
            ({"to_status": "submitted", "on": days_ago(400)}, "on"),  # before it started
            ({"to_status": "submitted", "amount_obtained": Decimal(1)}, "amount_obtained"),
        ]
        for kwargs, field in cases:
            with pytest.raises(ValidationError) as excinfo:
                services.financing_change_status(application=application, changed_by=None, **kwargs)
            assert _errors(excinfo) == {field}, kwargs
        services.financing_change_status(application=application, to_status="submitted", changed_by=None)
        with pytest.raises(ValidationError) as excinfo:
            services.financing_change_status(application=application, to_status="approved", changed_by=None)
        assert _errors(excinfo) == {"amount_obtained"}
        services.financing_change_status(application=application, to_status="withdrawn", changed_by=None)
        with pytest.raises(ValidationError):
            services.financing_change_status(application=application, to_status="submitted", changed_by=None)
        assert FinancingStatusChange.objects.filter(application=application).count() == 3

    def test_an_introduction_is_to_a_financial_institution(self, personas):
        with pytest.raises(ValidationError) as excinfo:
            services.financing_create(
                profile=personas.entrepreneur,
                kind=FinancingKind.INTRODUCTION,
                program="Line of credit",
                partner=PartnerFactory(kind=PartnerKind.CDEC),
                created_by=None,
            )
        assert _errors(excinfo) == {"partner"}
        bank = PartnerFactory(kind=PartnerKind.FINANCIAL_INSTITUTION)
        application = services.financing_create(
            profile=personas.entrepreneur,
            kind="introduction",
            program="Account",
            partner=bank,
            created_by=None,
        )
        assert application.amount_requested is None and application.status == FinancingStatus.PREPARING

    def test_a_grant_needs_the_amount_requested(self, personas):
        with pytest.raises(ValidationError) as excinfo:
            services.financing_create(
                profile=personas.entrepreneur, kind="grant", program="P", created_by=None
            )
        assert _errors(excinfo) == {"amount_requested"}

    def test_money_is_never_a_float(self, personas):
        with pytest.raises(TypeError):
            services.financing_create(
                profile=personas.entrepreneur,
                kind="grant",
                program="P",
                amount_requested=10.5,
                created_by=None,
            )


class TestMilestones:
    def test_once_only_milestones(self, personas):
        kwargs = {"profile": personas.entrepreneur, "achieved_on": days_ago(3), "recorded_by": None}
        services.milestone_record(kind=MilestoneKind.FIRST_SALE, **kwargs)
        with pytest.raises(ValidationError) as excinfo:
            services.milestone_record(kind=MilestoneKind.FIRST_SALE, **kwargs)
        assert _errors(excinfo) == {"kind"}
        services.milestone_record(kind=MilestoneKind.JOBS_CREATED, jobs_count=2, **kwargs)
        services.milestone_record(kind=MilestoneKind.JOBS_CREATED, jobs_count=1, **kwargs)
        assert Milestone.objects.filter(kind="jobs_created").count() == 2

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"kind": "jobs_created"}, "jobs_count"),
            ({"kind": "revenue_band"}, "revenue_band"),
            ({"kind": "revenue_band", "revenue_band": "a lot"}, "revenue_band"),
            ({"kind": "first_sale", "achieved_on": days_ago(-3)}, "achieved_on"),
        ],
    )
    def test_each_milestone_needs_its_value(self, personas, kwargs, field):
        with pytest.raises(ValidationError) as excinfo:
            services.milestone_record(
                profile=personas.entrepreneur, recorded_by=None, **{"achieved_on": days_ago(1), **kwargs}
            )
        assert field in _errors(excinfo)
        assert not Milestone.objects.exists()

    def test_values_of_other_kinds_are_not_kept(self, personas):
        milestone = services.milestone_record(
            profile=personas.entrepreneur,
            kind="first_sale",
            achieved_on=days_ago(1),
            jobs_count=4,
            revenue_band="under_10k",
            recorded_by=None,
        )
        assert (milestone.jobs_count, milestone.revenue_band) == (None, "")

    def test_a_closure_closes_the_business_on_the_file(self, personas):
        services.milestone_record(
            profile=personas.entrepreneur, kind="business_closed", achieved_on=days_ago(1), recorded_by=None
        )
        personas.entrepreneur.refresh_from_db()
        assert personas.entrepreneur.business_stage == "closed"


class TestPartners:
    def test_contacts_are_kept_updated_added_and_removed(self):
        partner = PartnerFactory()
        kept, dropped = PartnerContactFactory(partner=partner), PartnerContactFactory(partner=partner)
        services.partner_save(
            partner=partner,
            fields={"name": " SAJE Est ", "kind": "saje"},
            contacts=[{"id": kept.pk, "name": "Renamed", "title": "Boss"}, {"id": None, "name": "New"}],
        )
        partner.refresh_from_db()
        assert (partner.name, partner.kind) == ("SAJE Est", "saje")
        assert sorted(partner.contacts.values_list("name", flat=True)) == ["New", "Renamed"]
        assert not partner.contacts.filter(pk=dropped.pk).exists()

    def test_a_duplicate_name_is_refused(self):
        PartnerFactory(name="CLD Est")
        with pytest.raises(ValidationError):
            services.partner_save(partner=None, fields={"name": "cld est", "kind": "cld"}, contacts=[])


class TestReassignment:
    def test_entrepreneurs_move_with_the_reason_in_their_history(self, personas):
        extra = EntrepreneurFactory(advisor=personas.advisor)
        moved = services.caseload_reassign(
            profiles=[personas.entrepreneur, extra],
            from_advisor=personas.advisor,
            to_advisor=personas.other_advisor,
            changed_by=personas.coordinator,
            reason="Parental leave",
        )
        assert {profile.advisor for profile in moved} == {personas.other_advisor}
        rows = AdvisorAssignment.objects.filter(reason="Parental leave")
        assert set(rows.values_list("profile", "previous_advisor", "advisor", "changed_by")) == {
            (p.pk, personas.advisor.pk, personas.other_advisor.pk, personas.coordinator.pk)
            for p in (personas.entrepreneur, extra)
        }

    def test_all_or_nothing_when_a_file_changed_meanwhile(self, personas):
        with pytest.raises(ValidationError) as excinfo:
            services.caseload_reassign(
                profiles=[
                    personas.entrepreneur,
                    personas.other_entrepreneur,
                ],  # the second is not the advisor's
                from_advisor=personas.advisor,
                to_advisor=personas.other_advisor,
                changed_by=personas.coordinator,
                reason="Leave",
            )
        assert _errors(excinfo) == {"profiles"}
        personas.entrepreneur.refresh_from_db()
        assert personas.entrepreneur.advisor == personas.advisor
        assert not AdvisorAssignment.objects.filter(reason="Leave").exists()

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"reason": "  "}, "reason"),
            ({"to_advisor": "advisor"}, "to_advisor"),
            ({"to_advisor": "board"}, "to_advisor"),
            ({"profiles": []}, "profiles"),
        ],
    )
    def test_refusals(self, personas, overrides, field):
        kwargs = {
            "profiles": [personas.entrepreneur],
            "from_advisor": personas.advisor,
            "to_advisor": personas.other_advisor,
            "changed_by": personas.coordinator,
            "reason": "Leave",
        }
        kwargs.update(overrides)
        if isinstance(kwargs["to_advisor"], str):
            kwargs["to_advisor"] = getattr(personas, kwargs["to_advisor"])
        with pytest.raises(ValidationError) as excinfo:
            services.caseload_reassign(**kwargs)
        assert _errors(excinfo) == {field}

    def test_unassigned_entrepreneurs_get_an_advisor(self, personas):
        alone = EntrepreneurFactory(advisor=None)
        services.caseload_reassign(
            profiles=[alone],
            from_advisor=None,
            to_advisor=personas.advisor,
            changed_by=personas.coordinator,
            reason="New",
        )
        alone.refresh_from_db()
        assert alone.advisor == personas.advisor
