"""Due dates on the circle's meeting rhythm (issue #17, 4): a product option puts the first instalment at the
circle's first planned meeting at least N days after the disbursement, then one at every meeting interval;
without a meeting to follow, the product's usual schedule, and the pages say so. Dates worked by hand."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from circles.models import MeetingStatus
from loans import services
from loans.schedule import first_meeting_due
from loans.services.ledger import ledger_differences
from tests.circles.factories import MeetingFactory
from tests.loans.factories import LoanProductFactory, approved_loan

pytestmark = pytest.mark.django_db
D = Decimal
day = datetime.date
FR = {"HTTP_ACCEPT_LANGUAGE": "fr-ca"}


@pytest.fixture(autouse=True)
def frozen():
    # Wednesday, March 4, 2026.
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


def test_the_first_planned_meeting_at_least_n_days_after_the_disbursement():
    # Disbursed Monday March 2, 14 days: from March 16 on. The meeting of March 9 is too soon.
    planned = [day(2026, 3, 9), day(2026, 3, 23), day(2026, 3, 17)]
    due = first_meeting_due(disbursed_on=day(2026, 3, 2), min_days=14, rhythm="weekly", planned=planned)
    assert due == day(2026, 3, 17)
    # Exactly 14 days after counts.
    due = first_meeting_due(
        disbursed_on=day(2026, 3, 2), min_days=14, rhythm="weekly", planned=[day(2026, 3, 16)]
    )
    assert due == day(2026, 3, 16)


def test_without_a_meeting_planned_that_far_the_rhythm_goes_on_from_the_latest_meeting():
    # Every two weeks from the meeting held on February 23: March 9 (too soon), then March 23.
    due = first_meeting_due(
        disbursed_on=day(2026, 3, 2), min_days=14, rhythm="biweekly", planned=[], latest=day(2026, 2, 23)
    )
    assert due == day(2026, 3, 23)
    # Monthly from January 15: February 15 (too soon: disbursed February 10, plus 14 days), then March 15.
    due = first_meeting_due(
        disbursed_on=day(2026, 2, 10), min_days=14, rhythm="monthly", planned=[], latest=day(2026, 1, 15)
    )
    assert due == day(2026, 3, 15)
    assert first_meeting_due(disbursed_on=day(2026, 3, 2), min_days=14, rhythm="weekly", planned=[]) is None


@pytest.fixture
def product():
    return LoanProductFactory(
        name="Prêt aux rencontres", due_dates_follow_meetings=True, first_due_min_days=14
    )


def test_a_loan_disbursed_on_a_biweekly_circle_falls_due_at_its_meetings(product):
    loan = approved_loan(product=product, amount="1500.00", term=12)
    circle = loan.circle
    circle.meeting_rhythm = "biweekly"
    circle.save()
    MeetingFactory(circle=circle, date=day(2026, 2, 23), status=MeetingStatus.HELD)
    MeetingFactory(circle=circle, date=day(2026, 3, 9))  # 7 days after: too soon
    MeetingFactory(circle=circle, date=day(2026, 3, 23))
    MeetingFactory(circle=circle, date=day(2026, 3, 16), status=MeetingStatus.CANCELLED)
    loan = services.loan_disburse(
        loan=loan, disbursed_by=loan.approved_by, disbursed_on=day(2026, 3, 2), method="transfer"
    )
    loan.refresh_from_db()
    assert loan.frequency == "biweekly" and loan.due_dates_on_meetings
    dates = list(loan.instalments.order_by("number").values_list("due_date", flat=True))
    assert dates[:4] == [day(2026, 3, 23), day(2026, 4, 6), day(2026, 4, 20), day(2026, 5, 4)]
    assert len(dates) == 12 and dates[-1] == day(2026, 8, 24)  # March 23 + 11 x 14 days
    first = loan.instalments.get(number=1)
    assert first.interest_due == D("3.46")  # 1500.00 x 6 % / 26 = 3.4615...
    assert sum(i.principal_due for i in loan.instalments.all()) == D("1500.00")
    assert ledger_differences() == []


def test_a_first_due_date_typed_is_refused_when_the_dates_follow_the_meetings(product):
    loan = approved_loan(product=product)
    MeetingFactory(circle=loan.circle, date=day(2026, 4, 6))
    with pytest.raises(ValidationError) as refused:
        services.loan_disburse(
            loan=loan,
            disbursed_by=loan.approved_by,
            disbursed_on=day(2026, 3, 2),
            method="transfer",
            first_due=day(2026, 4, 2),
        )
    assert "first_due" in refused.value.error_dict


def test_a_circle_without_meetings_gets_the_usual_monthly_schedule_and_the_pages_say_so(
    product, personas, client_for
):
    loan = approved_loan(product=product, amount="1500.00", term=12, advisor=personas.advisor)
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_disburse", args=[loan.pk])
    data = {"disbursed_on": "2026-03-02", "method": "transfer", "reference": "", "first_due": "", "fund": ""}
    shown = client.post(url, data, **FR)
    assert shown.status_code == 200 and "reviewed" in shown.context, shown.context["form"].errors
    text = shown.content.decode().replace("\u00a0", " ")
    assert f"le cercle {loan.circle.phrase_name} n'a aucune rencontre à suivre" in text.replace("&#x27;", "'")
    done = client.post(url, {**data, "step": "confirm", "reviewed": shown.context["reviewed"]}, **FR)
    assert done.status_code == 302
    loan.refresh_from_db()
    assert loan.frequency == "monthly" and not loan.due_dates_on_meetings
    dates = list(loan.instalments.order_by("number").values_list("due_date", flat=True))
    assert dates[:3] == [day(2026, 4, 2), day(2026, 5, 2), day(2026, 6, 2)]
    page = client.get(reverse("loans:loan_detail", args=[loan.pk]), **FR).content.decode()
    assert "aucune rencontre à suivre au déblocage" in page


def test_the_disbursement_confirmation_names_the_first_meeting(product, personas, client_for):
    loan = approved_loan(product=product, advisor=personas.advisor)
    circle = loan.circle
    circle.meeting_rhythm = "weekly"
    circle.save()
    MeetingFactory(circle=circle, date=day(2026, 3, 19))
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_disburse", args=[loan.pk])
    data = {"disbursed_on": "2026-03-04", "method": "cash", "reference": "", "first_due": "", "fund": ""}
    shown = client.post(url, data, **FR)
    text = shown.content.decode().replace("\u00a0", " ")
    assert "Aux rencontres du cercle" in text and "19 mars 2026" in text and "chaque semaine" in text
    client.post(url, {**data, "step": "confirm", "reviewed": shown.context["reviewed"]}, **FR)
    loan.refresh_from_db()
    assert loan.instalments.get(number=2).due_date == day(2026, 3, 26)
    page = client.get(reverse("loans:loan_detail", args=[loan.pk]), **FR).content.decode()
    assert "Les échéances suivent les rencontres du cercle (hebdomadaire)" in page


def test_a_first_meeting_beyond_the_products_limit_falls_back_to_the_usual_schedule_and_says_so(
    personas, client_for
):
    # Disbursed Monday March 2 with at least 14 days and at most 30: the circle's next meeting, April 20, is
    # 49 days after. A first due date typed that late would be refused: the usual monthly schedule applies.
    product = LoanProductFactory(
        name="Prêt aux rencontres",
        due_dates_follow_meetings=True,
        first_due_min_days=14,
        first_due_max_days=30,
    )
    loan = approved_loan(product=product, amount="1500.00", term=12, advisor=personas.advisor)
    circle = loan.circle
    circle.meeting_rhythm = "monthly"
    circle.save()
    MeetingFactory(circle=circle, date=day(2026, 3, 9))  # too soon
    MeetingFactory(circle=circle, date=day(2026, 4, 20))  # too late
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_disburse", args=[loan.pk])
    data = {"disbursed_on": "2026-03-02", "method": "transfer", "reference": "", "first_due": "", "fund": ""}
    shown = client.post(url, data, **FR)
    assert shown.status_code == 200 and "reviewed" in shown.context, shown.context["form"].errors
    text = shown.content.decode().replace("\u00a0", " ").replace("&#x27;", "'")
    assert f"la première rencontre du cercle {circle.phrase_name} assez éloignée du déblocage" in text
    assert "le 20 avril 2026, tombe plus de 30 jours après celui-ci" in text
    assert "le calendrier habituel du produit s'applique" in text
    done = client.post(url, {**data, "step": "confirm", "reviewed": shown.context["reviewed"]}, **FR)
    assert done.status_code == 302
    loan.refresh_from_db()
    assert loan.frequency == "monthly" and not loan.due_dates_on_meetings
    dates = list(loan.instalments.order_by("number").values_list("due_date", flat=True))
    assert dates[:2] == [day(2026, 4, 2), day(2026, 5, 2)]
    assert ledger_differences() == []


def test_a_first_meeting_within_the_products_limit_is_followed(product):
    product.first_due_max_days = 21
    product.save()
    loan = approved_loan(product=product, amount="1500.00", term=12)
    circle = loan.circle
    circle.meeting_rhythm = "weekly"
    circle.save()
    MeetingFactory(circle=circle, date=day(2026, 3, 23))  # 21 days after: the limit itself
    loan = services.loan_disburse(
        loan=loan, disbursed_by=loan.approved_by, disbursed_on=day(2026, 3, 2), method="transfer"
    )
    assert loan.due_dates_on_meetings
    assert loan.instalments.get(number=1).due_date == day(2026, 3, 23)
