"""No oracle (issue #14, 7): sign-in and role are checked before any view reads its parameters, so an
outsider's answer never depends on whether an id exists; a member who joined late sees nothing of the
meetings held before, not even their dates."""

import datetime
import re

import pytest
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from microcredit.core.views_mixins import RoleRequiredMixin
from tests.circles.factories import MeetingFactory, MembershipFactory, circle_with_members
from tests.factories import AdvisorFactory

MISSING = 987654


def gated_patterns(resolver=None, prefix=""):
    """(route, view class) of every URL pattern whose view needs a signed-in person."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from gated_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, LoginRequiredMixin):
                yield route, view_class


def fill(route: str, value) -> str:
    path = re.sub(r"<int:\w+>", str(value), route)
    path = re.sub(r"<(?:str|slug|uuid|path):\w+>|<\w+>", "abc", path)
    return "/" + path.lstrip("^").rstrip("$")


def test_the_walk_finds_the_gated_views():
    routes = dict(gated_patterns())
    assert len(routes) >= 40
    assert any(route.startswith("coaching/reassign") for route in routes)


def test_anonymous_reassign_answers_the_same_for_any_advisor_id(db, client):
    advisor, gone = AdvisorFactory(), AdvisorFactory(is_active=False)
    answers = []
    for value in (advisor.pk, gone.pk, MISSING, "abc", "none"):
        response = client.get(reverse("coaching:reassign"), {"from": value})
        answers.append((response.status_code, response.get("Location", "").replace(str(value), "ID")))
    assert len(set(answers)) == 1 and answers[0][0] == 302


def test_every_gated_view_answers_an_anonymous_visitor_the_same_for_existing_and_missing_ids(
    personas, client
):
    existing = personas.advisor.pk
    for route, _view in gated_patterns():
        answers = set()
        for value in (existing, MISSING):
            response = client.get(fill(route, value), {"from": value, "advisor": value, "pk": value})
            location = response.get("Location", "").replace(str(value), "ID")
            answers.add((response.status_code, location.split("?")[0]))
        assert len(answers) == 1, (route, answers)
        ((status, location),) = answers
        assert status == 302 and location == reverse("login"), (route, status)


def test_every_role_gated_view_answers_other_roles_404_whatever_the_parameters(personas, client_for):
    clients = {
        "entrepreneur": client_for(personas.entrepreneur),
        "board": client_for(personas.board),
        "advisor": client_for(personas.advisor),
    }
    roles = {"entrepreneur": "entrepreneur", "board": "board", "advisor": "advisor"}
    checked = 0
    for route, view in gated_patterns():
        if not issubclass(view, RoleRequiredMixin):
            continue
        for name, client in clients.items():
            if roles[name] in view.allowed_roles:
                continue
            for value in (personas.advisor.pk, MISSING):
                response = client.get(fill(route, value), {"from": value, "advisor": value})
                assert response.status_code == 404, (route, name, value)
                checked += 1
    assert checked > 50


def test_a_late_member_sees_neither_the_earlier_meetings_nor_their_dates(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    today = timezone.localdate()
    before = MeetingFactory(circle=circle, date=today - datetime.timedelta(days=47), status="held")
    MembershipFactory(
        circle=circle, profile=personas.entrepreneur, joined_on=today - datetime.timedelta(days=20)
    )
    after = MeetingFactory(circle=circle, date=today - datetime.timedelta(days=6), status="held")
    page = client_for(personas.entrepreneur).get(reverse("circles:circle_detail", args=[circle.pk]))
    assert page.status_code == 200
    assert [m.pk for m in page.context["past_meetings"]] == [after.pk]
    html = page.content.decode()
    assert reverse("circles:meeting_detail", args=[before.pk]) not in html
    # The staff still see the whole history.
    staff = client_for(personas.advisor).get(reverse("circles:circle_detail", args=[circle.pk]))
    assert {m.pk for m in staff.context["past_meetings"]} == {before.pk, after.pk}


@pytest.mark.parametrize("value", ["1", str(MISSING), "x"])
def test_the_calendar_and_login_pages_stay_public(db, client, value):
    assert client.get(reverse("login"), {"next": value}).status_code == 200
    assert client.get(reverse("circles:calendar_feed", args=[value])).status_code == 404
