"""One date style per context, through the formatting module: the long date (and moment) in sentences and
lists, the one short style in tables; templates never write a date with Django's raw ``date``/``time``
filters (only machine values: an input's value, a URL's parameter, in ISO)."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from circles.models import Membership
from microcredit.core import formatting
from tests.factories import CoordinatorFactory
from tests.loans.factories import disbursed_loan

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\xa0"
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RAW_FILTER = re.compile(r"\|(date|time)(?::(\"[^\"]*\"|'[^']*'))?")
MACHINE = {"'Y-m-d'", '"Y-m-d"'}


def test_moments_and_hours_in_each_language():
    moment = datetime.datetime(2026, 12, 1, 18, 40, tzinfo=datetime.UTC)  # 13 h 40 in Montreal
    with translation.override("fr-ca"):
        assert formatting.format_short_datetime(moment) == f"2026-12-01 13{NBSP}h{NBSP}40"
        assert formatting.format_datetime(moment) == f"1er décembre 2026, 13{NBSP}h{NBSP}40"
        assert formatting.format_time(datetime.time(18, 30)) == f"18{NBSP}h{NBSP}30"
    with translation.override("en"):
        assert formatting.format_short_datetime(moment) == "2026-12-01 1:40 p.m."
        assert formatting.format_time(datetime.time(18, 30)) == "6:30 p.m."
    assert formatting.format_time(None) == formatting.format_short_datetime(None) == ""


def test_no_template_writes_a_date_with_the_raw_filters():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in RAW_FILTER.finditer(line):
                if match.group(2) not in MACHINE:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert found == []


@pytest.mark.django_db
def test_the_loan_page_writes_long_dates_in_its_history_and_short_ones_in_its_tables(client_for):
    with time_machine.travel(datetime.datetime(2026, 3, 6, 17, tzinfo=datetime.UTC), tick=False):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=datetime.date(2026, 1, 5))
        page = (
            client_for(CoordinatorFactory())
            .get(reverse("loans:loan_detail", args=[loan.pk]))
            .content.decode()
        )
    history = page[page.index('data-testid="loan-history"') :]
    history = history[: history.index("</ol>")]
    assert ISO.search(history) is None
    assert "6 mars 2026, 12\u00a0h\u00a000" in history
    schedule = page[page.index("2026-02-05") - 200 : page.index("2026-02-05")]
    assert "<td>" in schedule  # the schedule's due dates: the table's short style
    assert "5 février 2026" not in page[page.index("<table") : page.rindex("</table>")]


@pytest.mark.django_db
def test_the_circle_page_writes_past_members_dates_long(client_for):
    loan = disbursed_loan(amount="1200.00", term=6)
    membership = Membership.objects.filter(circle=loan.circle).exclude(profile=loan.borrower).first()
    membership.joined_on, membership.left_on, membership.leave_reason = (
        datetime.date(2025, 9, 1),
        datetime.date(2026, 3, 6),
        Membership._meta.get_field("leave_reason").choices[0][0],
    )
    membership.save()
    page = (
        client_for(CoordinatorFactory())
        .get(reverse("circles:circle_detail", args=[loan.circle.pk]))
        .content.decode()
    )
    assert "1er septembre 2025 \u2013 6 mars 2026" in page


DATEISH = r"[\w.]*(?:(?<![a-z])date|_on|_at|as_of|since|until)"
MACHINE_ATTRIBUTE = re.compile(r"(href|value|min|max)=\"[^\"]*$")
RAW_DATE = re.compile(r"\{\{\s*(\w+\." + DATEISH + r")\s*\}\}")  # an object's field, not a placeholder
SENTENCE_DATE = re.compile(r"\bwith\b[^%]*?\b\w+=(" + DATEISH + r")(\|shortdate)?(?=[\s%])")


def test_no_template_prints_a_date_field_without_a_formatting_filter():
    """A model's date printed as is (``{{ loan.disbursed_on }}``) comes out in ISO; a date handed to a
    translated sentence (``blocktranslate with day=...``) is a sentence's date: the long style."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (RAW_DATE, SENTENCE_DATE):
            for match in pattern.finditer(text):
                before = text[max(0, match.start() - 300) : match.start()]
                if pattern is SENTENCE_DATE and "blocktranslate" not in before:
                    continue
                if MACHINE_ATTRIBUTE.search(before):  # an ISO value in a URL or an input is for machines
                    continue
                found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []
