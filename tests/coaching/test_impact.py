"""Aggregate figures for the board: coaching given and business milestones, small counts hidden."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from coaching.selectors import impact_figures
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    MilestoneFactory,
    PartnerFactory,
    ReferralFactory,
    days_ago,
)
from tests.factories import EntrepreneurFactory

pytestmark = pytest.mark.django_db


def _year():
    today = timezone.localdate()
    return {"start": today.replace(month=1, day=1) if today.month > 1 else days_ago(40), "end": today}


def test_figures_count_coaching_and_milestones_of_the_period(personas):
    people = EntrepreneurFactory.create_batch(6, advisor=personas.advisor)
    saje = PartnerFactory(kind="saje")
    for profile in people:
        CoachingSessionFactory(profile=profile, held_on=days_ago(1), duration_minutes=60, topics=["finances"])
        ReferralFactory(profile=profile, partner=saje, referred_on=days_ago(1))
        MilestoneFactory(profile=profile, kind="jobs_created", jobs_count=2, achieved_on=days_ago(1))
        MilestoneFactory(
            profile=profile, kind="revenue_band", revenue_band="10k_30k", achieved_on=days_ago(1)
        )
        FinancingApplicationFactory(
            profile=profile,
            status="approved",
            submitted_on=days_ago(5),
            decided_on=days_ago(1),
            amount_obtained=Decimal("1000.00"),
        )
    CoachingSessionFactory(profile=people[0], held_on=days_ago(400))  # outside the period
    with translation.override("en"):
        figures = impact_figures(start=days_ago(10), end=days_ago(0))
    assert (figures["sessions"].count, figures["hours"], figures["people_coached"].count) == (6, 6, 6)
    topics = {row.label: row.display for row in figures["topics"]}
    assert topics["Finances"] == "6" and topics["Legal"] == "<5"
    saje_row = next(row for row in figures["referrals"] if row["label"].startswith("SAJE"))
    assert (saje_row["made"].count, saje_row["completed"].display) == (6, "<5")
    grants = figures["financing"][1]
    assert (grants["approved"].count, grants["approved"].amount) == (6, Decimal("6000.00"))
    assert figures["jobs_created"] == 12
    bands = {row.label: row.display for row in figures["revenue_bands"]}
    assert bands["$10,000 to $29,999"] == "6"


def test_small_counts_and_the_amounts_they_would_reveal_are_hidden(personas):
    CoachingSessionFactory(profile=personas.entrepreneur, held_on=days_ago(1))
    MilestoneFactory(
        profile=personas.entrepreneur, kind="jobs_created", jobs_count=3, achieved_on=days_ago(1)
    )
    FinancingApplicationFactory(
        profile=personas.entrepreneur,
        status="approved",
        submitted_on=days_ago(5),
        decided_on=days_ago(1),
        amount_obtained=Decimal("4321.00"),
    )
    figures = impact_figures(start=days_ago(10), end=days_ago(0))
    assert figures["sessions"].display == "<5" and figures["hours"] is None
    assert figures["jobs_created"] is None
    assert figures["financing"][1]["approved"].amount is None


def test_the_board_page_shows_aggregates_only(personas, english_client_for):
    for profile in EntrepreneurFactory.create_batch(5, advisor=personas.advisor):
        CoachingSessionFactory(profile=profile, held_on=days_ago(1))
    FinancingApplicationFactory(
        profile=personas.entrepreneur,
        status="approved",
        submitted_on=days_ago(5),
        decided_on=days_ago(1),
        amount_obtained=Decimal("4321.00"),
    )
    response = english_client_for(personas.board).get(reverse("coaching:impact"), _year())
    # Without the account menu's name of the board member (random, maybe a Tremblay too).
    page = response.content.decode().replace(personas.board.get_full_name(), "")
    assert response.context["figures"]["sessions"].count == 5
    assert "4,321" not in page and "4321" not in page
    assert personas.entrepreneur.user.last_name not in page


def test_a_reversed_period_is_explained(personas, english_client_for):
    response = english_client_for(personas.board).get(
        reverse("coaching:impact"), {"start": days_ago(0).isoformat(), "end": days_ago(10).isoformat()}
    )
    assert response.status_code == 200
    assert response.context["period"].non_field_errors()
    assert response.context["figures"]["start"] <= response.context["figures"]["end"]


def test_the_impact_page_is_bounded(personas, client_for, queries_for):
    client = client_for(personas.board)
    small = queries_for(client, reverse("coaching:impact"))
    for profile in EntrepreneurFactory.create_batch(10):
        CoachingSessionFactory(profile=profile, held_on=days_ago(1))
        MilestoneFactory(
            profile=profile, kind="revenue_band", revenue_band="under_10k", achieved_on=days_ago(1)
        )
    assert queries_for(client, reverse("coaching:impact")) == small


def test_the_board_sees_whole_months(personas, english_client_for):
    today = timezone.localdate()
    day = today.replace(day=1) - datetime.timedelta(days=40)  # a day of a past month
    asked = {"start": day.isoformat(), "end": day.isoformat()}
    figures = english_client_for(personas.board).get(reverse("coaching:impact"), asked).context["figures"]
    assert figures["start"] == day.replace(day=1)
    assert figures["end"].month == day.month and (figures["end"] + datetime.timedelta(days=1)).day == 1
    staff = english_client_for(personas.coordinator).get(reverse("coaching:impact"), asked).context["figures"]
    assert (staff["start"], staff["end"]) == (day, day)


def test_the_board_sees_closed_months_and_no_hours_a_lone_session_would_give_away(
    personas, english_client_for
):
    """Six hour-long sessions in September, one of 45 minutes in October: October's session would be the
    difference between the September-to-October figure and September's, so the board sees no hours for a
    period holding October; the staff see them all. Today's month (December) never shows to the board."""
    people = EntrepreneurFactory.create_batch(7, advisor=personas.advisor)
    for profile in people[:6]:
        CoachingSessionFactory(profile=profile, held_on=datetime.date(2026, 9, 10), duration_minutes=60)
    CoachingSessionFactory(profile=people[6], held_on=datetime.date(2026, 10, 8), duration_minutes=45)
    board, staff = english_client_for(personas.board), english_client_for(personas.coordinator)
    september = {"start": "2026-09-01", "end": "2026-09-30"}
    autumn = {"start": "2026-09-01", "end": "2026-10-31"}
    assert board.get(reverse("coaching:impact"), september).context["figures"]["hours"] == 6
    figures = board.get(reverse("coaching:impact"), autumn).context["figures"]
    assert figures["sessions"].display == "7" and figures["hours"] is None
    assert staff.get(reverse("coaching:impact"), autumn).context["figures"]["hours"] == round(405 / 60)
    # A period running to today stops, for the board, at the end of the last month ended.
    today = timezone.localdate()
    running = board.get(reverse("coaching:impact"), {"start": "2026-09-01", "end": today.isoformat()})
    assert running.context["figures"]["end"] == today.replace(day=1) - datetime.timedelta(days=1)
