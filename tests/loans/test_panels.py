"""The sections loans add to shared pages are read by the views (``loans/panels.py``): the templates run no
query, and a page costs the same number of queries whatever the number of loans."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loans import services
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan, submitted_loan

pytestmark = pytest.mark.django_db


def _overdue_loan(days_late: int):
    first_due = timezone.localdate() - datetime.timedelta(days=days_late)
    return disbursed_loan(disbursed_on=first_due - datetime.timedelta(days=30), first_due=first_due)


def _tile(page: str, testid: str) -> int:
    tile = rf'data-testid="{testid}">\s*<div class="card-body">\s*<div class="stat">(\d+)</div>'
    found = re.search(tile, page)
    assert found, testid
    return int(found.group(1))


def _home(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_staff_tiles_cost_the_same_queries_for_one_loan_in_arrears_or_three(client_for):
    client = client_for(CoordinatorFactory())
    _overdue_loan(40)
    submitted_loan()
    _home(client)  # the session and the settings read once
    page, one = _home(client)
    assert _tile(page, "tile-arrears") == 1
    _overdue_loan(40)
    _overdue_loan(60)
    submitted_loan()
    page, three = _home(client)
    assert _tile(page, "tile-arrears") == 3
    assert three == one


def _submit(profile):
    loan = services.loan_request_create(
        borrower=profile,
        prepared_by=profile.user,
        product=LoanProductFactory(),
        amount=Decimal("1500.00"),
        term=12,
        purpose="Un four pour la boulangerie",
        plan_summary="Une boulangerie de quartier, du pain et des viennoiseries chaque matin.",
        plan_market="Les familles du quartier, deux cafés et l'épicerie voisine.",
        plan_use_of_funds="Un four à sole d'occasion et son installation par un électricien.",
        plan_projections="Des ventes régulières dès le deuxième mois, puis en hausse l'été.",
    )
    return services.loan_submit(loan=loan, submitted_by=profile.user)


def _requests_listed(page: str) -> int:
    listed = re.search(r'data-testid="circle-requests">(.*?)</ul>', page, re.S)
    assert listed
    return listed.group(1).count("<li><a ")


def test_the_requests_of_a_circle_cost_the_same_queries_for_one_or_three(client_for):
    loan = submitted_loan()
    client = client_for(loan.circle.advisor)
    url = reverse("circles:circle_detail", args=[loan.circle_id])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert _requests_listed(page) == 1
    for membership in loan.circle.memberships.exclude(profile=loan.borrower)[:2]:
        _submit(membership.profile)
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert _requests_listed(page) == 3
    assert len(three) == len(one)
