"""In French, no number on the board's dashboard, its PDF or a loan page is written the English way: no
decimal point, no comma grouping, no dollar sign before an amount, no percentage glued to its number, no
ungrouped thousands and no English month (README: How amounts, dates and CSV files read)."""

import csv
import datetime
import html
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from documents.models import Document
from documents.services import params_key, render_document
from funds.models import FundSource
from tests.documents.conftest import pdf_text
from tests.reports.portfolio import build_portfolio

pytestmark = pytest.mark.django_db
PERIOD = {"as_of": "2025-06-30", "start": "2025-01-01", "end": "2025-06-30"}

ENGLISH_WAYS = {
    "decimal point": re.compile(r"\d\.\d"),
    "comma grouping": re.compile(r"\d,\d{3}(?!\d)"),
    "dollar sign first": re.compile(r"(?<!\d)(?<!\d\s)\$\s?\d"),
    "percent glued to its number": re.compile(r"\d%"),
    "thousands not grouped": re.compile(r"(?<![\d-])\d{4,},\d{2}(?!\d)"),
    "English month": re.compile(
        r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
        r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)(?=\W)"
    ),
}
# On a web page the space before "$" and "%" must be the non-breaking one (a PDF's text comes out flattened).
ORDINARY_SPACE_BEFORE_SIGN = re.compile(r"\d [$%]")


def english_numbers(text: str) -> dict[str, list[str]]:
    text = re.sub(r"https?://\S+", " ", text)  # an address (127.0.0.1:8000) is not a number
    found = {}
    for name, pattern in ENGLISH_WAYS.items():
        hits = [text[max(m.start() - 20, 0) : m.end() + 20] for m in pattern.finditer(text)]
        if hits:
            found[name] = hits
    return found


def visible_text(page: str) -> str:
    """What a reader sees (SVG labels and tooltips included): tags, scripts and styles removed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def book(personas):
    for user in (personas.board, personas.coordinator):
        user.language = "fr-ca"
        user.save(update_fields=["language"])
    book = build_portfolio()
    FundSource.objects.create(
        name="Caisse solidaire",
        kind="investor",
        amount_committed="20000.00",
        committed_on=datetime.date(2024, 1, 1),
    )
    with time_machine.travel(
        datetime.datetime(2025, 7, 2, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield book


def _page(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_the_scan_catches_the_english_way():
    assert set(english_numbers("5251.54 · 46.25% · $1,500.00 · 375000,00 · Dec. 15")) == set(ENGLISH_WAYS)
    assert english_numbers("5\xa0251,54\xa0$ · 46,3\xa0% · 2025-06-30 · 1er décembre 2026 · mai") == {}


@pytest.mark.parametrize("role", ["board", "coordinator"])
def test_the_french_dashboard_writes_every_number_the_french_way(personas, client_for, book, role):
    page = _page(client_for(getattr(personas, role)), reverse("reports:dashboard"), PERIOD)
    text = visible_text(page)
    assert english_numbers(text) == {}
    assert ORDINARY_SPACE_BEFORE_SIGN.findall(text) == []
    # The figures are there, the French way: the fund committed, shares (the board sees none of the
    # portfolio's in so small a portfolio, every share being of fewer than 5 loans: only the loss reserve's
    # rates per band, which are settings), French months on the chart axes.
    reserve_rates = {"0,0\xa0%", "10,0\xa0%", "25,0\xa0%", "50,0\xa0%", "100,0\xa0%"}
    shares = set(re.findall(r"\S*\xa0%", text))
    assert "20\xa0000,00\xa0$" in text
    if role == "board":
        assert shares <= reserve_rates, shares
    else:
        assert shares - reserve_rates, shares
    if role == "board":
        # Every monthly amount of so small a portfolio is hidden or zero for the board: the charts say so in
        # French instead of drawing an empty axis, and the trends table names the months.
        assert "rien à tracer" in text and "juin" in text
    else:
        assert "juin" in text and "janv." in text
    for english in ("By circle", "By loan product", "By circle network", "Key figures", "Monthly trends"):
        assert english not in text


def test_the_french_portfolio_pdf_writes_every_number_the_french_way(personas, book):
    params = {"as_of": "2025-06-30", "start": "2025-01-01", "end": "2025-06-30"}
    document = Document(
        kind="portfolio_report",
        params=params,
        params_key=params_key(params),
        language="fr-ca",
        requested_by=personas.board,
    )
    content, _pages, _filename = render_document(document, datetime.date(2025, 7, 2))
    text = pdf_text(content)
    assert english_numbers(text) == {}
    assert "20 000,00 $" in text and "Par produit de prêt" in text and "By loan product" not in text
    assert "30 juin 2025" in text


def test_the_french_loan_page_writes_every_number_the_french_way(personas, client_for, book):
    page = _page(client_for(personas.coordinator), reverse("loans:loan_detail", args=[book["f"].pk]))
    text = visible_text(page)
    assert english_numbers(text) == {}
    assert ORDINARY_SPACE_BEFORE_SIGN.findall(text) == []
    assert "3\xa0000,00\xa0$" in text


def test_the_french_csv_is_semicolon_separated_with_decimal_commas_and_french_headers(
    personas, client_for, book
):
    response = client_for(personas.coordinator).get(
        reverse("reports:dashboard"), {**PERIOD, "format": "csv", "table": "par"}
    )
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")  # UTF-8 with a byte-order mark
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == ["En date du", "2025-06-30", "Période", "2025-01-01", "2025-06-30"]
    assert rows[1][0] == "Mesure" and len(rows[1]) == 4
    # Percentages to the page's one decimal ("0,0 %" on the page, not "0,00 %").
    assert rows[2:] == [
        ["PAR1", "3", "3300,00", "52,4 %"],
        ["PAR30", "2", "2100,00", "33,3 %"],
        ["PAR90", "1", "900,00", "14,3 %"],
        ["Prêts restructurés", "0", "0,00", "0,0 %"],
    ]


def _french_csv(client, url, params) -> list[list[str]]:
    response = client.get(url, params)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _legend_on(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'data-testid="mask-legend">([^<]*)<', page)]


@pytest.mark.parametrize("role", ["board", "coordinator"])
@pytest.mark.parametrize("url", [reverse("reports:dashboard"), reverse("reports:capital")])
def test_every_french_csv_writes_its_percentages_with_the_pages_decimals(
    personas, client_for, book, role, url
):
    from microcredit.core.formatting import Percent, format_cell

    client = client_for(getattr(personas, role))
    response = client.get(url, PERIOD)
    tables = response.context["tables"]
    seen = 0
    for table in tables:
        on_page = [
            format_cell(cell).replace("\xa0", " ")
            for row in table.rows
            for cell in row
            if isinstance(cell, Percent)
        ]
        rows = _french_csv(client, url, {**PERIOD, "format": "csv", "table": table.key})
        in_file = [cell for row in rows[2:] for cell in row if cell.endswith(" %")]
        assert in_file == on_page, table.key
        seen += len(on_page)
    assert seen  # some percentages were compared


def test_the_boards_french_csv_ends_with_the_pages_legend(personas, client_for, book):
    client = client_for(personas.board)
    legend = _legend_on(_page(client, reverse("reports:dashboard"), PERIOD))
    assert legend == [
        "Données globales seulement\xa0; les nombres inférieurs à 5 sont affichés comme <5.",
        "Les membres du conseil ne voient que des mois terminés\xa0: la date de référence est la fin du "
        "dernier mois terminé (ou du mois choisi), la période couvre des mois entiers, et un montant formé "
        "de moins de 5\xa0prêts, ou qui a changé de moins de 5\xa0prêts en un mois, s\u2019affiche —.",
    ]
    rows = _french_csv(client, reverse("reports:dashboard"), {**PERIOD, "format": "csv", "table": "par"})
    assert ["PAR30", "<5", "—", "—"] in rows
    notes = [row for row in rows if row[0] == "Note"]
    assert [row[1] for row in notes][-2:] == legend and rows[-2:] == notes[-2:]
    # The capital page (whose figures the same rule hides) says it too, and so do its files.
    capital = client_for(personas.board)
    assert _legend_on(_page(capital, reverse("reports:capital"), PERIOD)) == legend
    rows = _french_csv(capital, reverse("reports:capital"), {**PERIOD, "format": "csv", "table": "capital"})
    assert "—" in [row[1] for row in rows] and [row[1] for row in rows[-2:]] == legend


def test_a_french_csv_with_nothing_hidden_has_no_legend(personas, client_for, book):
    rows = _french_csv(
        client_for(personas.coordinator),
        reverse("reports:dashboard"),
        {**PERIOD, "format": "csv", "table": "par"},
    )
    assert all(row[0] != "Note" for row in rows)
