"""The circle screens over real HTTP, as each persona; bounded queries on lists and details."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import CircleStatus, Meeting, MeetingStatus, Membership
from tests.circles.factories import (
    CircleFactory,
    MeetingFactory,
    MembershipFactory,
    TrainingFactory,
    TrainingParticipantFactory,
    circle_with_members,
)
from tests.factories import EntrepreneurFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("coordinator", "advisor", "other_advisor", "member", "outsider", "board")


@pytest.fixture
def circle(personas):
    circle = circle_with_members(4, advisor=personas.advisor, name="Les Bâtisseuses")
    MembershipFactory(circle=circle, profile=personas.entrepreneur)
    return circle


def _who(personas, name):
    return {"member": personas.entrepreneur.user, "outsider": personas.other_entrepreneur.user}.get(
        name
    ) or getattr(personas, name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_circle_page(personas, client_for, circle, persona):
    response = client_for(_who(personas, persona)).get(reverse("circles:circle_detail", args=[circle.pk]))
    if persona in ("outsider", "board"):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    template = "circles/my_circle.html" if persona == "member" else "circles/circle_detail.html"
    assert template in [t.name for t in response.templates]


def test_members_see_names_and_businesses_only(personas, client_for, circle):
    other = circle.memberships.exclude(profile=personas.entrepreneur).first().profile
    other.user.phone = "514 555-9999"
    other.user.save()
    page = (
        client_for(personas.entrepreneur)
        .get(reverse("circles:circle_detail", args=[circle.pk]))
        .content.decode()
    )
    assert other.user.get_full_name() in page
    assert other.business_name in page
    assert "514 555-9999" not in page
    assert other.user.email not in page


@pytest.mark.parametrize(
    ("url_name", "allowed"),
    [
        ("circles:circle_list", {"coordinator", "advisor", "other_advisor"}),
        ("circles:my_circles", {"coordinator", "advisor", "other_advisor"}),
        ("circles:circle_create", {"coordinator", "advisor", "other_advisor"}),
        ("circles:upcoming_meetings", {"coordinator", "advisor", "other_advisor"}),
        ("circles:training_list", {"coordinator", "advisor", "other_advisor"}),
        ("circles:my_circle", {"member", "outsider"}),
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_role_pages(personas, client_for, circle, url_name, allowed, persona):
    response = client_for(_who(personas, persona)).get(reverse(url_name))
    assert response.status_code in ((200, 302) if persona in allowed else (404,))


@pytest.mark.parametrize("persona", ["member", "outsider", "board"])
def test_changes_are_not_found_for_non_staff(personas, client_for, circle, persona):
    client = client_for(_who(personas, persona))
    membership = circle.memberships.first()
    for url in (
        reverse("circles:circle_update", args=[circle.pk]),
        reverse("circles:circle_merge", args=[circle.pk]),
        reverse("circles:circle_dissolve", args=[circle.pk]),
        reverse("circles:meeting_plan", args=[circle.pk]),
        reverse("circles:membership_leave", args=[membership.pk]),
        reverse("circles:membership_move", args=[membership.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("circles:member_add", args=[circle.pk]),
        reverse("circles:circle_activate", args=[circle.pk]),
    ):
        assert client.post(url, {"profile": personas.other_entrepreneur.pk}).status_code == 404
    assert not Membership.objects.filter(profile=personas.other_entrepreneur).exists()


def test_the_member_reads_shared_notes_not_the_advisors(personas, client_for, circle):
    meeting = MeetingFactory(
        circle=circle,
        date=timezone.localdate() - datetime.timedelta(days=7),
        status=MeetingStatus.HELD,
        shared_notes="Apporter vos factures",
        advisor_notes="Marie semble découragée",
    )
    url = reverse("circles:meeting_detail", args=[meeting.pk])
    member_page = client_for(personas.entrepreneur).get(url).content.decode()
    assert "Apporter vos factures" in member_page
    assert "découragée" not in member_page
    assert "découragée" in client_for(personas.advisor).get(url).content.decode()
    assert client_for(personas.other_entrepreneur).get(url).status_code == 404


def test_an_advisor_admits_a_member_and_an_eighth_is_refused_with_a_message(personas, client_for):
    circle = circle_with_members(6, advisor=personas.advisor)
    client = client_for(personas.advisor)
    url = reverse("circles:member_add", args=[circle.pk])
    response = client.post(url, {"profile": personas.entrepreneur.pk, "role": "member"}, follow=True)
    assert response.status_code == 200
    assert circle.memberships.filter(profile=personas.entrepreneur, left_on__isnull=True).exists()
    eighth = EntrepreneurFactory()
    response = client.post(url, {"profile": eighth.pk, "role": "treasurer"})
    # The circle's page again, the refusal on the form, which still holds the person and role chosen.
    assert response.status_code == 200
    form = response.context["add_form"]
    assert any("7" in error for error in form.non_field_errors())
    assert form["profile"].value() == str(eighth.pk) and form["role"].value() == "treasurer"
    assert "7" in response.content.decode()
    assert not Membership.objects.filter(profile=eighth).exists()


def test_an_advisor_creates_a_circle_then_plans_and_records_a_meeting(personas, client_for):
    client = client_for(personas.advisor)
    response = client.post(
        reverse("circles:circle_create"),
        {
            "name": "Cercle Hochelaga",
            "advisor": personas.advisor.pk,
            "meeting_place": "CDEC",
            "meeting_rhythm": "monthly",
        },
    )
    circle = personas.advisor.circles.get(name="Cercle Hochelaga")
    assert response.url == reverse("circles:circle_detail", args=[circle.pk])
    assert circle.status == CircleStatus.FORMING
    for profile in [personas.entrepreneur, *EntrepreneurFactory.create_batch(3)]:
        client.post(
            reverse("circles:member_add", args=[circle.pk]), {"profile": profile.pk, "role": "member"}
        )
    client.post(reverse("circles:circle_activate", args=[circle.pk]))
    circle.refresh_from_db()
    assert circle.status == CircleStatus.ACTIVE

    today = timezone.localdate()
    client.post(
        reverse("circles:meeting_plan", args=[circle.pk]), {"date": today.isoformat(), "place": "CDEC"}
    )
    meeting = circle.meetings.get()
    members = list(circle.memberships.order_by("pk").values_list("profile_id", flat=True))
    data = {
        "members-TOTAL_FORMS": "4",
        "members-INITIAL_FORMS": "4",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "decisions": "Démarrer l'épargne",
        "shared_notes": "Bravo à tous",
        "advisor_notes": "",
        "next_date": (today + datetime.timedelta(days=28)).isoformat(),
        "next_start_time": "18:30",
        "next_place": "CDEC",
    }
    page = client.get(reverse("circles:meeting_record", args=[meeting.pk]))
    order = [form.initial["profile_id"] for form in page.context["formset"]]
    assert sorted(order) == sorted(members)
    for index, profile_id in enumerate(order):
        data.update(
            {
                f"members-{index}-profile_id": profile_id,
                f"members-{index}-attendance": "present",
                f"members-{index}-progress": f"Progrès {index}",
                f"members-{index}-difficulties": "",
                f"members-{index}-help_offered": "",
            }
        )
    response = client.post(reverse("circles:meeting_record", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.follow_ups.count() == 4
    assert circle.meetings.filter(status=MeetingStatus.PLANNED).count() == 1


def test_a_meeting_record_missing_a_member_is_refused_and_keeps_the_input(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    client = client_for(personas.advisor)
    page = client.get(reverse("circles:meeting_record", args=[meeting.pk]))
    first = page.context["formset"][0].initial["profile_id"]
    data = {
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-profile_id": first,
        "members-0-attendance": "present",
        "members-0-progress": "Texte à garder",
        "decisions": "Décision à garder",
    }
    response = client.post(reverse("circles:meeting_record", args=[meeting.pk]), data)
    assert response.status_code == 200
    # The formset refuses it (one row per member) before the service would.
    assert response.context["formset"].non_form_errors()
    assert "Décision à garder" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_merge_and_dissolve_through_the_screens(personas, client_for):
    absorbed, into = circle_with_members(2, advisor=personas.advisor), circle_with_members(4)
    client = client_for(personas.coordinator)
    response = client.post(
        reverse("circles:circle_merge", args=[absorbed.pk]), {"into": into.pk, "note": "Voisins"}
    )
    assert response.status_code == 302
    absorbed.refresh_from_db()
    assert absorbed.merged_into == into
    response = client.post(
        reverse("circles:circle_dissolve", args=[into.pk]), {"note": "Fin", "confirm": "on"}
    )
    into.refresh_from_db()
    assert into.status == CircleStatus.DISSOLVED


def test_a_refused_merge_says_why(personas, client_for):
    absorbed, into = circle_with_members(4), circle_with_members(4)
    response = client_for(personas.coordinator).post(
        reverse("circles:circle_merge", args=[absorbed.pk]), {"into": into.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_a_training_forms_a_circle_through_the_screen(personas, client_for):
    training = TrainingFactory(advisor=personas.advisor)
    participants = TrainingParticipantFactory.create_batch(4, training=training)
    client = client_for(personas.advisor)
    url = reverse("circles:form_circle", args=[training.pk])
    # The form asks who will advise the circle (issue #13), the training's advisor proposed.
    form = client.get(url).context["form"]
    assert form["advisor"].initial == personas.advisor.pk
    missing = client.post(url, {"name": "Les Pionnières", "participants": [p.pk for p in participants]})
    assert missing.status_code == 200 and "advisor" in missing.context["form"].errors
    response = client.post(
        url,
        {
            "name": "Les Pionnières",
            "participants": [p.pk for p in participants],
            "advisor": personas.other_advisor.pk,
        },
    )
    assert response.status_code == 302
    circle = training.circles.get()
    assert circle.status == CircleStatus.ACTIVE and circle.memberships.count() == 4
    assert circle.advisor == personas.other_advisor


def test_training_attendance_and_completion(personas, client_for):
    training = TrainingFactory(advisor=personas.advisor)
    participant = TrainingParticipantFactory(training=training, status="enrolled")
    client = client_for(personas.advisor)
    client.post(
        reverse("circles:training_session_add", args=[training.pk]),
        {"date": training.start_date.isoformat(), "topic": "Le plan d'affaires"},
    )
    session = training.sessions.get()
    client.post(
        reverse("circles:session_attendance", args=[training.pk, session.pk]), {"present": [participant.pk]}
    )
    assert session.attendance.get(participant=participant).present
    client.post(
        reverse("circles:participant_status", args=[training.pk, participant.pk]), {"status": "completed"}
    )
    participant.refresh_from_db()
    assert participant.status == "completed"


def test_a_refused_training_session_keeps_what_was_typed(personas, client_for):
    training = TrainingFactory(advisor=personas.advisor)
    response = client_for(personas.advisor).post(
        reverse("circles:training_session_add", args=[training.pk]),
        {"date": "le 3 mars", "topic": "Tenir ses comptes"},
    )
    assert response.status_code == 200
    form = response.context["session_form"]
    assert form.errors["date"] and form["topic"].value() == "Tenir ses comptes"
    assert "Tenir ses comptes" in response.content.decode()
    assert not training.sessions.exists()


def test_a_training_ending_before_it_starts_is_refused_at_the_end_date(personas, client_for):
    response = client_for(personas.advisor).post(
        reverse("circles:training_create"),
        {
            "title": "Gérer sa trésorerie",
            "advisor": personas.advisor.pk,
            "start_date": "2027-02-10",
            "end_date": "2027-01-10",
            "location": "CDEC",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["end_date"] == ["La date de fin ne peut pas précéder la date de début."]
    assert not form.non_field_errors()
    assert 'value="Gérer sa trésorerie"' in response.content.decode()


def test_the_calendar_feed(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor, name="Cercle, Rosemont")
    MeetingFactory(circle=circle)
    advisor = client_for(personas.advisor)
    advisor.post(reverse("circles:calendar_address"), {"action": "new"})
    feed_url = advisor.get(reverse("circles:upcoming_meetings")).context["calendar_url"]
    response = client_for(personas.board).get(feed_url)  # no session needed: the token is the key
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and "SUMMARY:Cercle\\, Rosemont" in body
    tampered = feed_url.replace(".ics", "x.ics")
    assert client_for(personas.board).get(tampered).status_code == 404


def _many_circles(count, advisor):
    for _index in range(count):
        circle = circle_with_members(4, advisor=advisor)
        MeetingFactory(circle=circle)


def test_the_list_page_makes_the_same_queries_for_5_or_50_circles(personas, client_for, queries_for):
    client = client_for(personas.coordinator)
    _many_circles(5, personas.advisor)
    small = queries_for(client, reverse("circles:circle_list"))
    _many_circles(45, personas.advisor)  # 50 circles
    assert queries_for(client, reverse("circles:circle_list")) == small
    assert queries_for(client_for(personas.advisor), reverse("home")) == queries_for(
        client_for(personas.advisor), reverse("home")
    )


def test_detail_pages_make_the_same_queries_whatever_the_size(personas, client_for, queries_for):
    client = client_for(personas.advisor)
    small_circle = circle_with_members(2, advisor=personas.advisor)
    large_circle = circle_with_members(6, advisor=personas.advisor)  # both still show the admit form
    for circle, meetings in ((small_circle, 1), (large_circle, 12)):
        for index in range(meetings):
            MeetingFactory(circle=circle, date=timezone.localdate() - datetime.timedelta(days=30 * index + 1))
    assert queries_for(client, reverse("circles:circle_detail", args=[small_circle.pk])) == queries_for(
        client, reverse("circles:circle_detail", args=[large_circle.pk])
    )
    member = client_for(large_circle.memberships.first().profile.user)
    assert queries_for(member, reverse("circles:circle_detail", args=[large_circle.pk])) <= 15


def test_the_advisor_home_and_upcoming_meetings_are_bounded(personas, client_for, queries_for):
    client = client_for(personas.advisor)
    _many_circles(3, personas.advisor)
    home, upcoming = (
        queries_for(client, reverse("home")),
        queries_for(client, reverse("circles:upcoming_meetings")),
    )
    _many_circles(20, personas.advisor)
    assert queries_for(client, reverse("home")) == home
    assert queries_for(client, reverse("circles:upcoming_meetings")) == upcoming


def test_the_coordinator_filters_circles(personas, client_for):
    CircleFactory(name="Forming one", status=CircleStatus.FORMING)
    CircleFactory(name="Active one", status=CircleStatus.ACTIVE, advisor=personas.other_advisor)
    client = client_for(personas.coordinator)

    def names(**params):
        return {c.name for c in client.get(reverse("circles:circle_list"), params).context["object_list"]}

    assert names(status="forming") == {"Forming one"}
    assert names(advisor=personas.other_advisor.pk) == {"Active one"}


def test_my_circles_lists_only_the_advisors(personas, client_for):
    CircleFactory(name="Mine", advisor=personas.advisor)
    CircleFactory(name="Theirs", advisor=personas.other_advisor)
    response = client_for(personas.advisor).get(reverse("circles:my_circles"))
    assert {c.name for c in response.context["object_list"]} == {"Mine"}


def test_the_entrepreneur_sees_their_circle_and_next_meeting_at_home(personas, client_for, circle):
    MeetingFactory(circle=circle, date=timezone.localdate() + datetime.timedelta(days=3))
    page = client_for(personas.entrepreneur).get(reverse("home")).content.decode()
    assert "Les Bâtisseuses" in page
    assert Meeting.objects.filter(circle=circle).exists()


def test_the_list_counts_the_requests_in_review(personas, client_for):
    from tests.loans.factories import submitted_loan

    loan = submitted_loan(advisor=personas.advisor)
    response = client_for(personas.advisor).get(reverse("circles:my_circles"))
    counts = {c.pk: c.loans_in_review for c in response.context["object_list"]}
    assert counts[loan.circle_id] == 1


def test_a_new_member_does_not_read_the_meetings_before_they_joined(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    old = MeetingFactory(
        circle=circle, date=timezone.localdate() - datetime.timedelta(days=60), status="held"
    )
    MembershipFactory(circle=circle, profile=personas.entrepreneur, joined_on=timezone.localdate())
    new = MeetingFactory(circle=circle, date=timezone.localdate() + datetime.timedelta(days=5))
    client = client_for(personas.entrepreneur)
    assert client.get(reverse("circles:meeting_detail", args=[old.pk])).status_code == 404
    assert client.get(reverse("circles:meeting_detail", args=[new.pk])).status_code == 200


def test_the_circle_page_offers_a_bounded_list_of_people_to_admit_and_a_search_finds_the_others(
    personas, client_for, monkeypatch
):
    """Issue #21: the page once listed every entrepreneur not in a circle (50,000 options: 6 s of rendering).
    It offers at most MEMBER_CHOICES, the circle advisor's caseload first; a search finds anyone; anyone
    available may still be admitted."""
    from circles import selectors

    monkeypatch.setattr(selectors, "MEMBER_CHOICES", 3)
    circle = circle_with_members(4, advisor=personas.advisor)
    others = EntrepreneurFactory.create_batch(4, advisor=personas.other_advisor)
    searched = EntrepreneurFactory(user__last_name="Zylberstein", advisor=personas.other_advisor)
    client = client_for(personas.advisor)
    url = reverse("circles:circle_detail", args=[circle.pk])
    choices = client.get(url).context["add_form"].fields["profile"].widget.choices
    offered = [value for value, _label in choices]
    assert offered[0] == "" and len(offered) == 1 + 3
    assert offered[1] == personas.entrepreneur.pk  # the circle advisor's own entrepreneur first
    assert searched.pk not in offered
    for typed in (f"nº {searched.pk}", f"#{searched.pk}", f"n° {searched.pk}"):  # as the list shows it
        found = client.get(url, {"member_search": typed}).context["add_form"].fields["profile"].widget.choices
        assert [value for value, _label in found] == ["", searched.pk], typed
    response = client.get(url, {"member_search": "zylber"})
    choices = response.context["add_form"].fields["profile"].widget.choices
    assert [value for value, _label in choices] == ["", searched.pk]
    assert "Zylberstein" in response.content.decode()
    # Not offered on the page, still admitted when chosen (the form checks against everyone available).
    unlisted = others[-1]
    assert unlisted.pk not in offered
    response = client.post(
        reverse("circles:member_add", args=[circle.pk]), {"profile": unlisted.pk, "role": "member"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(circle=circle, profile=unlisted, left_on__isnull=True).exists()
