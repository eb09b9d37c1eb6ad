"""The entrepreneur's file: the whole story in one timeline, and a coaching section, in bounded queries."""

import pytest
from django.urls import reverse

from coaching import services
from microcredit.accounts import consents
from microcredit.core.timeline import timeline_for
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


def _story(profile, advisor, size: int = 1) -> None:
    for n in range(size):
        CoachingSessionFactory(profile=profile, held_on=days_ago(n + 1), topics=["legal", "digital"])
        referral = ReferralFactory(profile=profile)
        consents.consent_give(
            profile=profile, purpose="referral", subject=referral.consent_subject, recorded_by=advisor
        )
        services.referral_change_status(referral=referral, to_status="sent", changed_by=advisor)
        FinancingApplicationFactory(profile=profile)
        MilestoneFactory(profile=profile, kind="jobs_created", jobs_count=n + 1)


def test_the_timeline_tells_the_whole_story_newest_first(personas):
    profile = personas.entrepreneur
    session = CoachingSessionFactory(profile=profile, held_on=days_ago(20), shared_summary="Price list")
    referral = services.referral_create(
        profile=profile,
        partner=PartnerFactory(name="CLD Est"),
        reason="Grant",
        created_by=None,
        shared_items="Nom, plan d'affaires",
        consent=True,
    )
    services.referral_change_status(referral=referral, to_status="sent", changed_by=None)
    MilestoneFactory(profile=profile, kind="business_registered", achieved_on=days_ago(40))
    events = timeline_for(profile, personas.advisor)
    assert [event.kind for event in events] == ["referral", "referral", "coaching_session", "milestone"]
    assert events[0].when >= events[1].when >= events[2].when >= events[3].when
    assert "CLD Est" in events[0].title
    assert "Price list" in events[2].detail
    assert events[2].url == reverse("coaching:session_detail", args=[session.pk])
    own = timeline_for(profile, personas.entrepreneur.user)
    assert [event.url for event in own if event.kind == "coaching_session"] == [
        reverse("coaching:my_coaching") + f"#session-{session.pk}"
    ]


def test_the_file_page_shows_the_timeline_and_the_coaching_section(personas, client_for):
    _story(personas.entrepreneur, personas.advisor)
    response = client_for(personas.advisor).get(
        reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk])
    )
    page = response.content.decode()
    assert 'data-testid="coaching-file"' in page
    assert reverse("coaching:session_create", args=[personas.entrepreneur.pk]) in page
    kinds = {event.kind for event in response.context["timeline"]}
    assert {"coaching_session", "referral", "financing", "milestone"} <= kinds


@pytest.mark.parametrize("persona", ["advisor", "entrepreneur"])
def test_the_file_page_makes_the_same_number_of_queries_for_3_or_30_entrepreneurs(
    personas, client_for, queries_for, persona
):
    profile = personas.entrepreneur
    client = client_for(getattr(personas, persona))
    url = reverse("accounts:entrepreneur_detail", args=[profile.pk])

    def grow(count):
        for other in EntrepreneurFactory.create_batch(count, advisor=personas.advisor):
            _story(other, personas.advisor)

    _story(profile, personas.advisor)
    grow(1)  # 3 entrepreneurs
    small = queries_for(client, url)
    grow(27)  # 30 entrepreneurs
    assert queries_for(client, url) == small
    # and the same whatever the length of this person's own story
    _story(profile, personas.advisor, size=12)
    assert queries_for(client, url) == small


def test_the_my_coaching_page_is_bounded(personas, client_for, queries_for):
    client = client_for(personas.entrepreneur)
    _story(personas.entrepreneur, personas.advisor)
    small = queries_for(client, reverse("coaching:my_coaching"))
    _story(personas.entrepreneur, personas.advisor, size=15)
    assert queries_for(client, reverse("coaching:my_coaching")) == small
    assert len(client.get(reverse("coaching:my_coaching")).context["sessions"]) == 16
