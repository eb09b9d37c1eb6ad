"""The advisor's caseload: whom to call next, flags, and the coordinators' reassignment screen."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession
from coaching.selectors import (
    CaseloadFlag,
    caseload_flag_provider,
    caseload_for,
    unregister_flag_provider,
)
from microcredit.accounts.models import AdvisorAssignment, EntrepreneurProfile
from microcredit.core.models import OrganizationSettings
from tests.coaching.factories import CoachingSessionFactory, ReferralFactory, days_ago
from tests.factories import EntrepreneurFactory
from tests.loans.factories import disbursed_loan, submitted_loan

pytestmark = pytest.mark.django_db


def _codes(row) -> list[str]:
    return [flag.code for flag in row.flags]


def _rows(personas, advisor=None):
    advisor = advisor or personas.advisor
    return {row.profile.pk: row for row in caseload_for(advisor, advisor)}


class TestFlags:
    def test_last_contact_and_next_follow_up_come_from_the_latest_session(self, personas):
        profile = personas.entrepreneur
        CoachingSessionFactory(profile=profile, held_on=days_ago(20), next_follow_up_on=days_ago(10))
        CoachingSessionFactory(profile=profile, held_on=days_ago(5), next_follow_up_on=days_ago(-9))
        row = _rows(personas)[profile.pk]
        assert (row.last_contact, row.next_follow_up) == (days_ago(5), days_ago(-9))
        assert row.flags == []

    def test_no_contact_for_longer_than_the_organizations_setting(self, personas):
        profile = personas.entrepreneur
        CoachingSessionFactory(profile=profile, held_on=days_ago(31), next_follow_up_on=None)
        assert _codes(_rows(personas)[profile.pk]) == ["no_contact"]
        settings = OrganizationSettings.load()
        settings.coaching_no_contact_days = 45
        settings.save()
        assert _codes(_rows(personas)[profile.pk]) == []

    def test_exactly_the_limit_is_not_yet_flagged(self, personas):
        CoachingSessionFactory(profile=personas.entrepreneur, held_on=days_ago(30), next_follow_up_on=None)
        assert _codes(_rows(personas)[personas.entrepreneur.pk]) == []

    def test_never_contacted_counts_from_intake(self, personas):
        recent = EntrepreneurFactory(advisor=personas.advisor, intake_date=days_ago(3))
        rows = _rows(personas)
        assert _codes(rows[personas.entrepreneur.pk]) == ["no_contact"]  # intake 60 days ago, no session
        assert _codes(rows[recent.pk]) == []

    def test_an_overdue_follow_up_is_flagged_first(self, personas):
        CoachingSessionFactory(
            profile=personas.entrepreneur, held_on=days_ago(40), next_follow_up_on=days_ago(2)
        )
        assert _codes(_rows(personas)[personas.entrepreneur.pk]) == ["follow_up_overdue", "no_contact"]

    def test_whom_to_call_first_is_at_the_top(self, personas):
        advisor = personas.advisor
        calm = personas.entrepreneur
        CoachingSessionFactory(profile=calm, held_on=days_ago(2), next_follow_up_on=days_ago(-20))
        soon = EntrepreneurFactory(advisor=advisor)
        CoachingSessionFactory(profile=soon, held_on=days_ago(2), next_follow_up_on=days_ago(-3))
        silent = EntrepreneurFactory(advisor=advisor)  # never contacted, intake 60 days ago
        overdue = EntrepreneurFactory(advisor=advisor)
        CoachingSessionFactory(profile=overdue, held_on=days_ago(10), next_follow_up_on=days_ago(1))
        order = [row.profile for row in caseload_for(advisor, advisor)]
        assert order == [overdue, silent, soon, calm]

    def test_other_apps_plug_their_flags_in_with_one_query_for_the_whole_caseload(
        self, personas, django_assert_num_queries
    ):
        seen = []
        asking = EntrepreneurFactory(
            advisor=personas.advisor, business_name="Help please", intake_date=days_ago(1)
        )
        EntrepreneurFactory.create_batch(3, advisor=personas.advisor)
        OrganizationSettings.load()
        with CaptureQueriesContext(connection) as before:
            caseload_for(personas.advisor, personas.advisor)

        @caseload_flag_provider("tests.help")
        def asks_for_help(profiles, context):
            seen.append(len(profiles))
            ids = EntrepreneurProfile.objects.filter(
                pk__in=[p.pk for p in profiles], business_name__startswith="Help"
            ).values_list("pk", flat=True)
            return {pk: [CaseloadFlag("help", "Asks for help", "info", 5)] for pk in ids}

        try:
            with django_assert_num_queries(len(before) + 1):
                rows = caseload_for(personas.advisor, personas.advisor)
            assert seen == [5]
            assert [_codes(row) for row in rows if row.profile == asking] == [["help"]]
        finally:
            unregister_flag_provider("tests.help")


class TestLoanFlags:
    def test_a_loan_in_arrears_and_a_pending_request_are_flagged(self, personas):
        late = EntrepreneurFactory(advisor=personas.advisor, intake_date=days_ago(1))
        asking = EntrepreneurFactory(advisor=personas.advisor, intake_date=days_ago(1))
        disbursed_loan(borrower=late, disbursed_on=days_ago(75))  # monthly instalments, nothing paid
        submitted_loan(borrower=asking)
        rows = _rows(personas)
        assert _codes(rows[late.pk]) == ["loan_arrears"]
        assert rows[late.pk].flags[0].level == "danger"
        assert _codes(rows[asking.pk]) == ["loan_pending"]
        order = [row.profile for row in caseload_for(personas.advisor, personas.advisor)]
        assert order.index(late) < order.index(asking)

    def test_a_loan_paid_on_time_is_not_flagged(self, personas):
        recent = EntrepreneurFactory(advisor=personas.advisor, intake_date=days_ago(1))
        disbursed_loan(borrower=recent, disbursed_on=days_ago(5))  # first instalment not due yet
        assert _codes(_rows(personas)[recent.pk]) == []

    def test_loan_flags_stay_bounded(self, personas, client_for, queries_for):
        client = client_for(personas.advisor)
        url = reverse("coaching:caseload")
        submitted_loan(borrower=EntrepreneurFactory(advisor=personas.advisor))
        small = queries_for(client, url)
        for _n in range(3):
            disbursed_loan(borrower=EntrepreneurFactory(advisor=personas.advisor), disbursed_on=days_ago(75))
            submitted_loan(borrower=EntrepreneurFactory(advisor=personas.advisor))
        assert queries_for(client, url) == small


class TestCaseloadPage:
    def test_an_advisor_lands_on_their_own_caseload(self, personas, client_for):
        CoachingSessionFactory(profile=personas.entrepreneur, held_on=days_ago(3))
        ReferralFactory(profile=personas.entrepreneur)
        response = client_for(personas.advisor).get(reverse("coaching:caseload"))
        rows = response.context["rows"]
        assert [row.profile for row in rows] == [personas.entrepreneur]
        assert rows[0].last_contact == days_ago(3)
        assert rows[0].profile.open_referrals == 1
        assert response.context["advisor"] == personas.advisor

    def test_the_staff_open_another_advisors_caseload(self, personas, client_for):
        for person in (personas.advisor, personas.coordinator):
            response = client_for(person).get(
                reverse("coaching:caseload"), {"advisor": personas.other_advisor.pk}
            )
            assert [row.profile for row in response.context["rows"]] == [personas.other_entrepreneur]

    def test_coordinators_land_on_the_overview(self, personas, client_for):
        EntrepreneurFactory(advisor=None)
        response = client_for(personas.coordinator).get(reverse("coaching:caseload"))
        loads = {load.advisor: load for load in response.context["overview"]}
        assert loads[None].entrepreneurs == 1
        assert (loads[personas.advisor].entrepreneurs, loads[personas.advisor].no_contact) == (1, 1)
        assert loads[personas.other_advisor].entrepreneurs == 1

    def test_the_caseload_page_makes_the_same_number_of_queries_for_3_or_30(
        self, personas, client_for, queries_for
    ):
        client = client_for(personas.advisor)
        url = reverse("coaching:caseload")

        def grow(count):
            for profile in EntrepreneurFactory.create_batch(count, advisor=personas.advisor):
                CoachingSessionFactory(profile=profile, held_on=days_ago(40), next_follow_up_on=days_ago(2))
                ReferralFactory(profile=profile)

        grow(2)
        small = queries_for(client, url)
        grow(27)
        assert queries_for(client, url) == small
        assert len(client.get(url).context["rows"]) == 30
        assert small <= 13  # a count, the page's ids ranked in SQL, then those rows

    def test_the_overview_is_bounded_too(self, personas, client_for, queries_for):
        client = client_for(personas.coordinator)
        small = queries_for(client, reverse("coaching:caseload"))
        EntrepreneurFactory.create_batch(20)
        assert queries_for(client, reverse("coaching:caseload")) == small

    def test_the_advisors_home_says_whom_to_call_next(self, personas, english_client_for):
        CoachingSessionFactory(
            profile=personas.entrepreneur, held_on=days_ago(9), next_follow_up_on=days_ago(1)
        )
        calm = EntrepreneurFactory(advisor=personas.advisor, intake_date=days_ago(1))
        page = english_client_for(personas.advisor).get(reverse("home")).content.decode()
        section = page.split('data-testid="call-next"')[1]
        assert "Whom to call next" in section
        assert str(personas.entrepreneur.user) in section
        assert str(calm.user) not in section
        assert reverse("coaching:session_create", args=[personas.entrepreneur.pk]) in section
        assert "<title>" in page and "Whom to call next" not in page.split("</title>")[0]

    def test_the_advisor_home_stays_bounded(self, personas, client_for, queries_for):
        client = client_for(personas.advisor)
        small = queries_for(client, reverse("home"))
        for profile in EntrepreneurFactory.create_batch(30, advisor=personas.advisor):
            CoachingSessionFactory(profile=profile)
        assert queries_for(client, reverse("home")) == small


class TestReassignment:
    def test_a_coordinator_moves_part_of_a_caseload_with_a_reason(self, personas, client_for):
        second = EntrepreneurFactory(advisor=personas.advisor)
        staying = EntrepreneurFactory(advisor=personas.advisor)
        client = client_for(personas.coordinator)
        url = reverse("coaching:reassign") + f"?from={personas.advisor.pk}"
        page = client.get(url)
        assert set(page.context["form"].fields["profiles"].queryset) == {
            personas.entrepreneur,
            second,
            staying,
        }
        response = client.post(
            url,
            {
                "profiles": [personas.entrepreneur.pk, second.pk],
                "to_advisor": personas.other_advisor.pk,
                "reason": "Amélie's parental leave",
            },
        )
        assert response.status_code == 302
        assert set(EntrepreneurProfile.objects.filter(advisor=personas.other_advisor)) == {
            personas.other_entrepreneur,
            personas.entrepreneur,
            second,
        }
        staying.refresh_from_db()
        assert staying.advisor == personas.advisor
        history = AdvisorAssignment.objects.filter(reason="Amélie's parental leave")
        assert history.count() == 2
        assert set(history.values_list("changed_by", flat=True)) == {personas.coordinator.pk}
        # The history is on the page, and on each entrepreneur's file.
        assert "Amélie&#x27;s parental leave" in client.get(url).content.decode()
        detail = client.get(reverse("accounts:entrepreneur_detail", args=[second.pk]))
        assert "parental leave" in detail.content.decode()

    def test_unassigned_entrepreneurs_are_offered(self, personas, client_for):
        alone = EntrepreneurFactory(advisor=None)
        client = client_for(personas.coordinator)
        response = client.post(
            reverse("coaching:reassign") + "?from=none",
            {"profiles": [alone.pk], "to_advisor": personas.advisor.pk, "reason": "Intake"},
        )
        assert response.status_code == 302
        alone.refresh_from_db()
        assert alone.advisor == personas.advisor

    def test_bad_input_is_refused_and_the_choices_come_back(self, personas, client_for):
        client = client_for(personas.coordinator)
        url = reverse("coaching:reassign") + f"?from={personas.advisor.pk}"
        response = client.post(
            url, {"profiles": [personas.entrepreneur.pk], "to_advisor": personas.other_advisor.pk}
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert set(form.errors) == {"reason"}
        assert "checked" in response.content.decode().split(f'value="{personas.entrepreneur.pk}"')[1][:40]
        # The same advisor, or someone who is not in this caseload, is refused too.
        response = client.post(
            url,
            {
                "profiles": [personas.other_entrepreneur.pk],
                "to_advisor": personas.advisor.pk,
                "reason": "x",
            },
        )
        assert set(response.context["form"].errors) == {"profiles", "to_advisor"}
        personas.entrepreneur.refresh_from_db()
        assert personas.entrepreneur.advisor == personas.advisor

    def test_the_coordinator_home_shows_the_caseloads(self, personas, client_for):
        response = client_for(personas.coordinator).get(reverse("home"))
        page = response.content.decode()
        assert reverse("coaching:reassign") in page
        assert f"?advisor={personas.advisor.pk}" in page


def test_the_coordinator_sets_the_no_contact_delay(personas, client_for):
    client = client_for(personas.coordinator)
    url = reverse("core:organization_settings")
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    assert client.post(url, {**data, "coaching_no_contact_days": "21"}).status_code == 302
    assert OrganizationSettings.load().coaching_no_contact_days == 21
    response = client.post(url, {**data, "coaching_no_contact_days": "0"})
    assert "coaching_no_contact_days" in response.context["form"].errors
    assert OrganizationSettings.load().coaching_no_contact_days == 21


def test_sessions_are_counted_once_per_person(personas):
    CoachingSessionFactory.create_batch(3, profile=personas.entrepreneur, held_on=timezone.localdate())
    assert CoachingSession.objects.count() == 3
    assert len(caseload_for(personas.advisor, personas.advisor)) == 1


def test_the_caseload_page_shows_fifty_a_page_whom_to_call_first_on_the_first(personas, client_for):
    """Issue #21: a caseload of thousands renders one page of 50 (the count covers them all)."""
    EntrepreneurFactory.create_batch(50, advisor=personas.advisor)  # with personas.entrepreneur: 51
    client = client_for(personas.advisor)
    first = client.get(reverse("coaching:caseload"))
    assert len(first.context["rows"]) == 50 and first.context["paginator"].count == 51
    second = client.get(reverse("coaching:caseload"), {"page": 2})
    assert len(second.context["rows"]) == 1
    every = [row.profile.pk for row in first.context["rows"]] + [
        row.profile.pk for row in second.context["rows"]
    ]
    assert sorted(every) == sorted(p.pk for p in EntrepreneurProfile.objects.filter(advisor=personas.advisor))
    assert "51" in first.content.decode()


def test_the_entrepreneurs_home_says_a_past_follow_up_is_overdue(personas, client_for):
    """The caseload flags the follow-up as overdue: her home says so too, never "Next follow-up" for a
    date already past."""
    from microcredit.core.formatting import format_date

    profile = personas.entrepreneur
    CoachingSessionFactory(profile=profile, held_on=days_ago(40), next_follow_up_on=days_ago(5))
    assert "follow_up_overdue" in _codes(_rows(personas)[profile.pk])
    page = client_for(profile).get(reverse("home")).content.decode()
    assert f"en retard depuis le {format_date(days_ago(5))}" in page
    assert "Prochain suivi avec" not in page
    CoachingSessionFactory(profile=profile, held_on=days_ago(1), next_follow_up_on=days_ago(-7))
    page = client_for(profile).get(reverse("home")).content.decode()
    assert f"Prochain suivi avec votre conseiller ou conseillère\u00a0: {format_date(days_ago(-7))}." in page
    assert 'data-testid="follow-up-overdue"' not in page
