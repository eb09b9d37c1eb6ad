"""The caseload positions (last contact, next follow-up, open referrals per person): kept by every coaching
service, equal to a recount, and what the homes and the caseload rank and count by (no subquery over the
coaching sessions, a bounded number of queries whatever the caseload's size)."""

import datetime
import random
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from coaching import services
from coaching.models import CaseloadPosition, CoachingSession, Referral, ReferralStatus
from coaching.models.choices import REFERRAL_STATES
from coaching.selectors import advisor_agenda, caseload_for, caseload_page
from coaching.selectors.caseload import CaseloadRow, _context
from microcredit.accounts.models import EntrepreneurProfile
from tests.coaching.factories import PartnerFactory, days_ago
from tests.factories import EntrepreneurFactory
from tests.loans.factories import disbursed_loan, submitted_loan

pytestmark = pytest.mark.django_db

# A subquery reading the coaching sessions: "(SELECT ... FROM coaching_coachingsession ..." with no
# parenthesis in between (the form Django writes for a Subquery / OuterRef annotation, the form the old
# last-contact annotation ran once per person).
PER_PERSON_SCAN = re.compile(r'\(\s*SELECT\s[^()]*FROM\s+"?coaching_coachingsession"?', re.IGNORECASE)


def per_person_scans(queries) -> list[str]:
    return [query["sql"] for query in queries if PER_PERSON_SCAN.search(query["sql"])]


def position(profile) -> tuple:
    row = CaseloadPosition.objects.filter(profile=profile).values_list(
        "last_contact_on", "next_follow_up_on", "open_referrals"
    )
    return row.first() or (None, None, 0)


def record(profile, held_on, follow_up=None, advisor=None):
    advisor = advisor or profile.advisor
    return services.session_record(
        profile=profile,
        advisor=advisor,
        held_on=held_on,
        duration_minutes=45,
        mode="phone",
        topics=["finances"],
        recorded_by=advisor,
        next_follow_up_on=follow_up,
    )


class TestKeptByTheServices:
    def test_a_session_recorded_sets_the_last_contact_and_its_follow_up(self, personas):
        profile = personas.entrepreneur
        assert position(profile) == (None, None, 0)
        record(profile, days_ago(20), days_ago(10))
        assert position(profile) == (days_ago(20), days_ago(10), 0)
        record(profile, days_ago(40), days_ago(-5))  # an older session typed later changes nothing
        assert position(profile) == (days_ago(20), days_ago(10), 0)
        record(profile, days_ago(3))  # the latest planned nothing: no follow-up is planned
        assert position(profile) == (days_ago(3), None, 0)
        assert services.caseload_differences() == []

    def test_correcting_a_sessions_date_or_follow_up(self, personas):
        profile = personas.entrepreneur
        early = record(profile, days_ago(30), days_ago(20))
        late = record(profile, days_ago(10), days_ago(2))
        services.session_update(session=late, changed_by=personas.advisor, next_follow_up_on=days_ago(-7))
        assert position(profile) == (days_ago(10), days_ago(-7), 0)
        services.session_update(
            session=early, changed_by=personas.advisor, held_on=days_ago(5), next_follow_up_on=days_ago(-1)
        )
        assert position(profile) == (days_ago(5), days_ago(-1), 0)  # now the latest
        assert services.caseload_differences() == []

    def test_referrals_count_until_completed_or_declined(self, personas):
        profile = personas.entrepreneur
        partner = PartnerFactory()
        first = services.referral_create(
            profile=profile,
            partner=partner,
            reason="Plan",
            created_by=None,
            shared_items="Nom, téléphone",
            consent=True,
        )
        second = services.referral_create(
            profile=profile,
            partner=partner,
            reason="Bank",
            created_by=None,
            status=ReferralStatus.SENT,
            shared_items="Nom, téléphone",
            consent=True,
        )
        assert position(profile) == (None, None, 2)
        services.referral_change_status(referral=second, to_status="in_progress", changed_by=None)
        assert position(profile) == (None, None, 2)
        services.referral_change_status(referral=second, to_status="completed", changed_by=None, outcome="OK")
        assert position(profile) == (None, None, 1)
        services.referral_change_status(referral=first, to_status="declined", changed_by=None, outcome="Non")
        assert position(profile) == (None, None, 0)
        assert services.caseload_differences() == []

    def test_a_refused_session_changes_nothing(self, personas):
        record(personas.entrepreneur, days_ago(8), days_ago(1))
        with pytest.raises(ValidationError, match=r"ne peut pas précéder|cannot be before"):
            record(personas.entrepreneur, days_ago(2), days_ago(4))
        assert position(personas.entrepreneur) == (days_ago(8), days_ago(1), 0)

    @pytest.mark.parametrize("seed", range(6))
    def test_random_sequences_of_changes_always_agree_with_a_recount(self, personas, seed):
        """Property-like: random sessions, corrections and referral steps on three people; after every one,
        the stored positions equal a recount from the sessions and referrals."""
        rng = random.Random(seed)
        # Their intake long ago: no session or referral of the sequence comes before it.
        personas.entrepreneur.intake_date = days_ago(200)
        personas.entrepreneur.save(update_fields=["intake_date"])
        others = EntrepreneurFactory.create_batch(2, advisor=personas.advisor, intake_date=days_ago(200))
        people = [personas.entrepreneur, *others]
        partner = PartnerFactory()
        for _step in range(25):
            person = rng.choice(people)
            action = rng.choice(["record", "record", "update", "refer", "move"])
            sessions = list(CoachingSession.objects.filter(profile=person))
            referrals = [
                r for r in Referral.objects.filter(profile=person) if REFERRAL_STATES.next_statuses(r.status)
            ]
            held = days_ago(rng.randint(0, 200))
            follow_up = rng.choice([None, held + datetime.timedelta(days=rng.randint(0, 40))])
            if action == "update" and sessions:
                services.session_update(
                    session=rng.choice(sessions), changed_by=None, held_on=held, next_follow_up_on=follow_up
                )
            elif action == "move" and referrals:
                referral = rng.choice(referrals)
                to = rng.choice(REFERRAL_STATES.next_statuses(referral.status))
                services.referral_change_status(
                    referral=referral, to_status=to, changed_by=None, outcome="Fait"
                )
            elif action == "refer":
                services.referral_create(
                    profile=person,
                    partner=partner,
                    reason="Besoin",
                    created_by=None,
                    status=rng.choice([ReferralStatus.PROPOSED, ReferralStatus.SENT]),
                    shared_items="Nom, téléphone",
                    consent=True,
                )
            else:
                record(person, held, follow_up)
            assert services.caseload_differences() == [], (seed, _step, action)


class TestRebuild:
    def test_check_finds_a_drift_and_rebuild_repairs_it(self, personas):
        record(personas.entrepreneur, days_ago(12), days_ago(2))
        call_command("rebuild_caseload", "--check")
        CaseloadPosition.objects.filter(profile=personas.entrepreneur).update(last_contact_on=days_ago(99))
        with pytest.raises(
            CommandError, match=r"\d+ caseload positions, tallies or counters differ"
        ) as error:
            call_command("rebuild_caseload", "--check")
        assert f"entrepreneur {personas.entrepreneur.pk}: last_contact_on stored" in str(error.value)
        call_command("rebuild_caseload")
        assert position(personas.entrepreneur) == (days_ago(12), days_ago(2), 0)
        call_command("rebuild_caseload", "--check")

    def test_a_missing_row_is_found_and_rebuilt(self, personas):
        record(personas.entrepreneur, days_ago(12))
        CaseloadPosition.objects.all().delete()
        assert services.position_differences() == [
            f"entrepreneur {personas.entrepreneur.pk}: last_contact_on stored None, expected {days_ago(12)!r}"
        ]
        assert services.rebuild_caseload() == 1
        assert services.caseload_differences() == []


@pytest.fixture
def caseload(personas):
    """Twelve people of the advisor's in every situation the flags know."""
    advisor = personas.advisor
    rng = random.Random(7)
    people = [personas.entrepreneur]
    for number in range(11):
        people.append(
            EntrepreneurFactory(
                advisor=advisor,
                user__first_name=f"Personne{number:02d}",
                intake_date=days_ago(rng.randint(1, 90)),
            )
        )
    for person in people[1:]:
        if rng.random() < 0.7:
            held = max(days_ago(rng.randint(0, 60)), person.intake_date)  # nothing before the intake
            record(person, held, rng.choice([None, held + datetime.timedelta(days=rng.randint(0, 30))]))
    disbursed_loan(borrower=people[2], disbursed_on=days_ago(75))  # late
    disbursed_loan(borrower=people[3], disbursed_on=days_ago(140))  # later
    submitted_loan(borrower=people[4])
    submitted_loan(borrower=people[5])
    return people


class TestRankedInSQL:
    def test_the_sql_urgency_is_the_sum_of_the_flags_weights(self, personas, caseload):
        rows = caseload_for(personas.advisor, personas.advisor)
        assert {row.profile.pk: row.profile.urgency for row in rows} == {
            row.profile.pk: row.urgency for row in rows
        }
        assert {row.urgency for row in rows} > {0}  # the fixture flags some people

    def test_the_sql_order_is_the_pages_order(self, personas, caseload):
        rows = caseload_for(personas.advisor, personas.advisor)
        assert [row.profile.pk for row in rows] == [
            row.profile.pk for row in sorted(rows, key=CaseloadRow.sort_key)
        ]

    def test_the_caseload_is_paged_in_sql(self, personas, caseload):
        everyone = [row.profile.pk for row in caseload_for(personas.advisor, personas.advisor)]
        first = caseload_page(personas.advisor, personas.advisor, 1, size=5)
        third = caseload_page(personas.advisor, personas.advisor, "3", size=5)
        assert first.paginator.count == len(caseload) == 12
        assert [row.profile.pk for row in first.object_list] == everyone[:5]
        assert [row.profile.pk for row in third.object_list] == everyone[10:]
        assert third.object_list[0].flags == caseload_for(personas.advisor, personas.advisor)[10].flags

    def test_the_advisors_agenda_counts_in_sql(self, personas, caseload):
        rows = caseload_for(personas.advisor, personas.advisor)
        today = _context(personas.advisor, None, None).today
        flagged = [row for row in rows if row.flags]
        week = [row for row in rows if row.next_follow_up and 0 <= (row.next_follow_up - today).days <= 7]
        agenda = advisor_agenda(personas.advisor)
        assert (agenda["total"], agenda["flagged"], agenda["due_this_week"]) == (12, len(flagged), len(week))
        expected = [
            row.profile.pk for row in rows if row.flags or row.follow_up_state in ("overdue", "today")
        ]
        assert [row.profile.pk for row in agenda["call_next"]] == expected[:5]


class TestNoScanOverSessions:
    def test_the_pattern_catches_the_old_last_contact_subquery(self):
        """The check below can fail: the last contact read as a subquery per person is such a scan."""
        latest = CoachingSession.objects.filter(profile=OuterRef("pk")).order_by("-held_on")
        with CaptureQueriesContext(connection) as queries:
            list(EntrepreneurProfile.objects.annotate(last=Subquery(latest.values("held_on")[:1])))
        assert per_person_scans(queries)

    @pytest.mark.parametrize(
        ("who", "url"),
        [
            ("advisor", "/"),
            ("coordinator", "/"),
            ("advisor", "/coaching/caseload/"),
            ("coordinator", "/coaching/caseload/"),
            ("coordinator", "/coaching/caseload/?advisor={advisor}"),
        ],
    )
    def test_homes_and_caseload_read_the_positions(self, personas, caseload, client_for, who, url):
        client = client_for(getattr(personas, who))
        url = url.format(advisor=personas.advisor.pk)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert per_person_scans(queries) == []
        # The ranked lists read the positions; the counts, the caseload counters (``CaseloadCount``).
        assert any(
            "coaching_caseloadposition" in query["sql"] or "coaching_caseloadcount" in query["sql"]
            for query in queries
        )

    @pytest.mark.parametrize(
        ("who", "url"),
        [
            ("advisor", "/"),
            ("coordinator", "/"),
            ("advisor", "/coaching/caseload/"),
            ("coordinator", "/coaching/caseload/"),
        ],
    )
    def test_query_counts_do_not_grow_with_the_caseload(self, personas, client_for, queries_for, who, url):
        client = client_for(getattr(personas, who))
        small = queries_for(client, url)
        partner = PartnerFactory()
        for number in range(60):
            person = EntrepreneurFactory(advisor=personas.advisor, intake_date=days_ago(number))
            record(person, days_ago(number % 20), days_ago(number % 20 - 3) if number % 2 else None)
            if number % 7 == 0:
                services.referral_create(
                    profile=person,
                    partner=partner,
                    reason="Aide",
                    created_by=None,
                    shared_items="Nom, téléphone",
                    consent=True,
                )
            if number % 15 == 0:
                disbursed_loan(borrower=person, disbursed_on=days_ago(75))
        assert queries_for(client, url) == small
