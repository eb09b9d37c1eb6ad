"""Default, guarantee call and write-off through the screens, as the coordinator and advisor do it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from loans import services
from loans.models import CallOutcome, GuaranteeCall, LoanStatus
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaulted(personas):
    today = timezone.localdate()
    loan = disbursed_loan(
        borrower=personas.entrepreneur,
        advisor=personas.advisor,
        amount="1500.00",
        disbursed_on=today - datetime.timedelta(days=130),
        first_due=today - datetime.timedelta(days=100),
    )
    services.loans_mark_defaults()
    loan.refresh_from_db()
    return loan


def test_a_default_shows_on_the_arrears_page_and_the_calls_page(personas, client_for, defaulted):
    client = client_for(personas.advisor)
    arrears = client.get(reverse("loans:arrears")).context["loans"]
    assert [(loan.pk, loan.dpd) for loan in arrears] == [(defaulted.pk, 100)]
    calls = list(client.get(reverse("loans:guarantee_calls")).context["calls"])
    assert [call.loan_id for call in calls] == [defaulted.pk]


def test_the_advisor_resolves_the_call_and_the_circle_may_endorse_again(personas, client_for, defaulted):
    call = GuaranteeCall.objects.get(loan=defaulted)
    client = client_for(personas.advisor)
    url = reverse("loans:guarantee_call_resolve", args=[call.pk])
    response = client.post(url, {"outcome": CallOutcome.MEMBERS_CONTRIBUTED, "note": ""})
    assert response.status_code == 200 and "note" in response.context["form"].errors
    client.post(url, {"outcome": CallOutcome.MEMBERS_CONTRIBUTED, "note": "Quatre membres ont versé 50 $"})
    call.refresh_from_db()
    assert not call.is_open and call.resolved_by == personas.advisor
    assert services.circle_review_blocker(defaulted.circle) is None


def test_the_coordinator_writes_off_with_a_reason(personas, client_for, defaulted):
    url = reverse("loans:loan_write_off", args=[defaulted.pk])
    client = client_for(personas.coordinator)
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Entreprise fermée"})
    assert response.status_code == 302
    defaulted.refresh_from_db()
    assert defaulted.status == LoanStatus.WRITTEN_OFF
    assert GuaranteeCall.objects.get(loan=defaulted).outcome == CallOutcome.WRITTEN_OFF
    page = client.get(reverse("loans:loan_detail", args=[defaulted.pk]))
    assert [t.to_status for t in page.context["transitions"]][-2:] == ["defaulted", "written_off"]


def test_an_advisor_cannot_write_off(personas, client_for, defaulted):
    assert (
        client_for(personas.advisor)
        .post(reverse("loans:loan_write_off", args=[defaulted.pk]), {"reason": "x"})
        .status_code
        == 404
    )


def test_an_open_call_blocks_a_new_request_of_the_same_circle(personas, client_for, defaulted):
    from circles.models import Membership

    member = defaulted.circle.memberships.exclude(profile=defaulted.borrower).first().profile
    request = services.loan_request_create(
        borrower=member,
        prepared_by=member.user,
        product=defaulted.product,
        amount=defaulted.amount,
        term=12,
        purpose="Inventaire",
    )
    assert Membership.objects.filter(profile=member, circle=defaulted.circle, left_on__isnull=True).exists()
    response = client_for(member.user).post(reverse("loans:loan_submit", args=[request.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any(defaulted.circle.phrase_name in m for m in messages)
    request.refresh_from_db()
    assert request.status == LoanStatus.DRAFT


def test_the_loan_page_says_current_late_or_in_default(personas, client_for, defaulted):
    from tests.loans.factories import disbursed_loan as fresh

    client = client_for(personas.advisor)
    assert (
        client.get(reverse("loans:loan_detail", args=[defaulted.pk])).context["arrears_state"] == "in_default"
    )
    today = timezone.localdate()
    late = fresh(
        disbursed_on=today - datetime.timedelta(days=40), first_due=today - datetime.timedelta(days=10)
    )
    assert client.get(reverse("loans:loan_detail", args=[late.pk])).context["arrears_state"] == "late"
    current = fresh()
    assert client.get(reverse("loans:loan_detail", args=[current.pk])).context["arrears_state"] == "current"
