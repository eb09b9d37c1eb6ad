"""The crawl (issue #14, 8): every URL pattern of the project, as every persona and anonymously, with an id
that exists and one that does not, never answers 500 (the test client re-raises any server error). A new
view is crawled the day it is added."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.circles.factories import MeetingFactory, TrainingFactory, circle_with_members
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    PartnerFactory,
    ReferralFactory,
)
from tests.loans.factories import disbursed_loan

MISSING = 987654


def every_pattern(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from every_pattern(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


@pytest.fixture
def world(personas):
    circle = circle_with_members(4, advisor=personas.advisor)
    loan = disbursed_loan(advisor=personas.advisor)
    profile = personas.entrepreneur
    return {
        "circles/memberships/": circle.memberships.first().pk,
        "circles/meetings/": MeetingFactory(circle=circle).pk,
        "circles/trainings/": TrainingFactory(advisor=personas.advisor).pk,
        "circles/": circle.pk,
        "loans/payments/": MISSING,
        "loans/products/": loan.product_id,
        "loans/": loan.pk,
        "coaching/sessions/": CoachingSessionFactory(profile=profile).pk,
        "coaching/referrals/": ReferralFactory(profile=profile).pk,
        "coaching/financing/": FinancingApplicationFactory(profile=profile).pk,
        "coaching/partners/": PartnerFactory().pk,
        "": profile.pk,
    }


def urls_for(route: str, world: dict) -> list[str]:
    if route.startswith("admin/") or "<path:" in route:
        return []  # the Django admin is Django's own; catch-alls have no URL of their own
    existing = next(pk for prefix, pk in world.items() if route.startswith(prefix))
    urls = []
    for value in dict.fromkeys((existing, MISSING)):
        path = re.sub(r"<int:\w+>", str(value), route)
        path = re.sub(r"<(?:str|slug|uuid):\w+>|<\w+>", "abc", path)
        urls.append("/" + path.lstrip("^").rstrip("$"))
    return urls


def test_every_pattern_as_every_persona_never_answers_500(personas, world, client, client_for):
    visitors = {"anonymous": client}
    for name in ("coordinator", "advisor", "other_advisor", "entrepreneur", "other_entrepreneur", "board"):
        visitors[name] = client_for(getattr(personas, name))
    routes = list(every_pattern())
    assert len(routes) >= 80
    crawled = 0
    for route in routes:
        for url in urls_for(route, world):
            for name, visitor in visitors.items():
                response = visitor.get(url)
                assert response.status_code < 500, (name, url, response.status_code)
                crawled += 1
    assert crawled > 800
