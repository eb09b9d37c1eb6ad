"""The iCalendar feed (issue #14, 5): built by the icalendar library (escaping, folding, time zone, cancelled
meetings), behind a random token per person that its owner replaces or switches off."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from circles.models import MeetingStatus
from tests.circles.factories import MeetingFactory, circle_with_members
from tests.factories import AdvisorFactory

ADDRESS = reverse("circles:calendar_address")
UPCOMING = reverse("circles:upcoming_meetings")


def feed_url(client) -> str | None:
    return client.get(UPCOMING).context["calendar_url"]


def create_address(client) -> str:
    assert client.post(ADDRESS, {"action": "new"}).status_code == 302
    return feed_url(client)


def test_there_is_no_address_until_its_owner_creates_one(personas, client_for):
    client = client_for(personas.advisor)
    assert feed_url(client) is None
    url = create_address(client)
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")
    assert len(token) >= 40 and str(personas.advisor.pk) not in token.split("-")
    # The address is the key: no session needed.
    response = client_for(personas.board).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"


def test_a_line_break_in_a_place_cannot_inject_an_event(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor, name="Cercle, Rosemont; Est")
    evil = "Salle 2\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:Faux\rLOCATION:ailleurs\nX:y"
    MeetingFactory(circle=circle, place=evil)
    MeetingFactory(circle=circle, place="Local " + "é" * 120)  # long and multi-byte: folded
    client = client_for(personas.advisor)
    body = client_for(personas.board).get(create_address(client)).content
    lines = body.split(b"\r\n")
    assert not any(line.startswith((b"UID:evil", b"SUMMARY:Faux", b"X:y")) for line in lines)
    assert b"\r" not in body.replace(b"\r\n", b"") and b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    places = {str(event["LOCATION"]) for event in events}
    assert "Local " + "é" * 120 in places
    (injected,) = [place for place in places if place.startswith("Salle 2")]
    assert "UID:evil" in injected  # kept as text, inside the one property
    assert {str(event["SUMMARY"]) for event in events} == {"Cercle, Rosemont; Est"}


def test_times_carry_the_time_zone_and_cancelled_meetings_say_so(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    day = timezone.localdate() + datetime.timedelta(days=10)
    MeetingFactory(circle=circle, date=day, start_time=datetime.time(18, 30))
    MeetingFactory(circle=circle, date=day + datetime.timedelta(days=7), status=MeetingStatus.CANCELLED)
    MeetingFactory(circle=circle, date=day - datetime.timedelta(days=3), status=MeetingStatus.HELD)
    client = client_for(personas.advisor)
    calendar = icalendar.Calendar.from_ical(client.get(create_address(client)).content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Montreal"]
    events = sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))
    assert [str(event["STATUS"]) for event in events] == ["CONFIRMED", "CANCELLED"]
    start = events[0].decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "America/Montreal"
    assert (start.date(), start.time()) == (day, datetime.time(18, 30))
    assert events[0].decoded("DTEND") - start == datetime.timedelta(hours=2)


def test_replacing_or_switching_off_the_address_stops_the_old_one(personas, client_for):
    MeetingFactory(circle=circle_with_members(4, advisor=personas.advisor))
    client, outsider = client_for(personas.advisor), client_for(personas.board)
    first = create_address(client)
    second = create_address(client)
    assert first != second
    assert outsider.get(first).status_code == 404
    assert outsider.get(second).status_code == 200
    client.post(ADDRESS, {"action": "off"})
    assert feed_url(client) is None
    assert outsider.get(second).status_code == 404


def test_an_advisors_feed_holds_only_their_circles_and_a_deactivated_owner_has_none(personas, client_for):
    MeetingFactory(circle=circle_with_members(4, advisor=personas.advisor, name="Le mien"))
    MeetingFactory(circle=circle_with_members(4, advisor=personas.other_advisor, name="L'autre"))
    mine = create_address(client_for(personas.advisor))
    calendar = icalendar.Calendar.from_ical(client_for(personas.board).get(mine).content)
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == ["Le mien"]
    coordinator = create_address(client_for(personas.coordinator))
    calendar = icalendar.Calendar.from_ical(client_for(personas.board).get(coordinator).content)
    assert {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")} == {"Le mien", "L'autre"}
    personas.advisor.is_active = False
    personas.advisor.save()
    assert client_for(personas.board).get(mine).status_code == 404


@pytest.mark.parametrize("token", ["1:abcdef", "x" * 65, "nothing-here", str(1)])
def test_unknown_tokens_and_the_old_signed_user_id_find_nothing(personas, client_for, token):
    create_address(client_for(personas.advisor))
    response = client_for(personas.board).get(reverse("circles:calendar_feed", args=[token]))
    assert response.status_code == 404


def test_only_staff_have_an_address(personas, client_for):
    for person in (personas.entrepreneur, personas.board):
        response = client_for(person).post(ADDRESS, {"action": "new"})
        assert response.status_code in (403, 404)
    other = AdvisorFactory()
    assert client_for(other).post(ADDRESS, {"action": "new"}).status_code == 302
