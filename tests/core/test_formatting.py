"""One way to write money, percentages, counts and dates per language (microcredit.core.formatting), and
French typography in the catalogue."""

import datetime
import re
from decimal import Decimal as D
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

from microcredit.core import formatting
from microcredit.core.csv_export import csv_cell, csv_response

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr-ca", ["12 345,67 $", "46,3 %", "1 234", "-5,00 $", "7,5 %", "6 %"]),
        ("en", ["$12,345.67", "46.3%", "1,234", "-$5.00", "7.5%", "6%"]),
    ],
)
def test_money_percentages_and_counts_in_each_language(language, expected):
    with translation.override(language):
        written = [
            formatting.format_money(D("12345.67")),
            formatting.format_percent(D("46.25")),
            formatting.format_count(1234),
            formatting.format_money(D("-5")),
            formatting.format_rate(D("7.50")),
            formatting.format_rate(D("6.00")),
        ]
    assert [text.replace(NBSP, " ") for text in written] == expected
    if language == "fr-ca":  # the spaces never break a figure from its sign
        assert written[0] == "12\xa0345,67\xa0$" and written[1] == "46,3\xa0%"
    assert formatting.format_percent(None) == "—"


@pytest.mark.parametrize(
    ("language", "first", "fifteenth", "month"),
    [
        ("fr-ca", "1er décembre 2026", "15 décembre 2026", "déc."),
        ("en", "December 1, 2026", "December 15, 2026", "Dec"),
    ],
)
def test_one_long_date_one_short_date_and_the_months_in_the_readers_language(
    language, first, fifteenth, month
):
    with translation.override(language):
        assert formatting.format_date(datetime.date(2026, 12, 1)) == first
        assert formatting.format_date(datetime.date(2026, 12, 15)) == fifteenth
        assert formatting.format_short_date(datetime.date(2026, 12, 15)) == "2026-12-15"
        assert formatting.format_month(datetime.date(2026, 12, 1)) == month
        # Templates use the same functions through the filters, and Django's own "date" filter agrees.
        page = Template(
            '{% load microcredit %}{{ d|longdate }}|{{ d|shortdate }}|{{ d|date:"SHORT_DATE_FORMAT" }}'
        ).render(Context({"d": datetime.date(2026, 12, 1)}))
    assert page == f"{first}|2026-12-01|2026-12-01"


def test_french_month_and_day_names_are_lower_case():
    with translation.override("fr-ca"):
        assert formatting.format_weekday_date(datetime.date(2026, 12, 12)) == "samedi 12 décembre"
        assert formatting.format_weekday_date(datetime.date(2026, 5, 1)) == "vendredi 1er mai"
        assert formatting.format_month_year(datetime.date(2026, 2, 1)) == "février 2026"
    with translation.override("en"):
        assert formatting.format_weekday_date(datetime.date(2026, 12, 12)) == "Saturday, December 12"


def test_an_aware_moment_is_dated_in_the_organizations_time_zone():
    late_evening = datetime.datetime(2026, 12, 2, 3, 30, tzinfo=datetime.UTC)  # 22 h 30 on Dec 1 in Montreal
    with translation.override("fr-ca"):
        assert formatting.format_date(late_evening) == "1er décembre 2026"
        assert formatting.format_datetime(late_evening) == "1er décembre 2026, 22\xa0h\xa030"


def test_report_cells_are_written_by_their_type():
    with translation.override("fr-ca"):
        cells = [
            formatting.format_cell(value)
            for value in (formatting.Money("5251.54"), formatting.Percent("46.25"), 1234, "<5", None)
        ]
    assert cells == ["5\xa0251,54\xa0$", "46,3\xa0%", "1\xa0234", "<5", "—"]


@pytest.mark.parametrize(
    ("language", "delimiter", "amount", "share"),
    # A percentage to the page's decimals (format_percent: "46,3 %" on the page), an ordinary space.
    [("fr-ca", ";", "5251,54", "46,3 %"), ("en", ",", "5251.54", "46.3%")],
)
def test_the_csv_writer_follows_the_readers_spreadsheet(language, delimiter, amount, share):
    with translation.override(language):
        response = csv_response(
            "x.csv", [["Montant", "Part"], [formatting.Money("5251.54"), formatting.Percent("46.25")]]
        )
        assert csv_cell(datetime.date(2026, 12, 1)) == "2026-12-01"
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    assert content[1:].splitlines() == [f"Montant{delimiter}Part", f"{amount}{delimiter}{share}"]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


FRENCH_SIGNS = re.compile(
    r"(?: [:;!?»%$])|(?:« )|(?:[^\s\xa0\u202f\d/][;!?](?:\s|$))|(?:[^\s\xa0\u202f\d/]:(?:\s|$))"
)


def test_the_french_catalogue_puts_a_non_breaking_space_before_high_punctuation():
    """« : ; ! ? % $ » are preceded by a non-breaking space in French, never an ordinary one nor none."""
    wrong = []
    for entry in polib.pofile(str(CATALOGUE)):
        for text in [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values()):
            text = text.replace("%%", "%").replace("%(", "(")
            if FRENCH_SIGNS.search(text):
                wrong.append(text)
    assert wrong == []
