"""The board's by-product table names each product in the reader's language (issue #12, 6): on the dashboard,
in its CSV and in its PDF; a product without an English name shows its French one."""

import csv
import datetime
import io
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
FRENCH, ENGLISH = "Prêt sans intérêt", "Interest-free loan"


@pytest.fixture
def book(personas):
    book = build_portfolio()
    product = book["product"]
    product.name_fr, product.name_en = FRENCH, ENGLISH
    product.save(update_fields=["name_fr", "name_en"])
    FundSource.objects.create(
        name="Caisse solidaire", kind="investor", amount_committed="20000.00", committed_on="2024-01-01"
    )
    with time_machine.travel(
        datetime.datetime(2025, 7, 2, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield book


def _reads(user, language):
    user.language = language
    user.save(update_fields=["language"])


def _by_product(client) -> list[list[str]]:
    response = client.get(reverse("reports:dashboard"), {**PERIOD, "format": "csv", "table": "by_product"})
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ","))


@pytest.mark.parametrize(
    ("language", "shown", "hidden"), [("en", ENGLISH, FRENCH), ("fr-ca", FRENCH, ENGLISH)]
)
def test_the_by_product_table_names_the_product_in_the_reader_s_language(
    personas, client_for, book, language, shown, hidden
):
    _reads(personas.coordinator, language)
    client = client_for(personas.coordinator)
    page = client.get(reverse("reports:dashboard"), PERIOD).content.decode()
    assert shown in page and hidden not in page
    assert _by_product(client)[2][0] == shown


def test_without_an_english_name_the_english_table_shows_the_french_one(personas, client_for, book):
    book["product"].name_en = None
    book["product"].save(update_fields=["name_en"])
    _reads(personas.coordinator, "en")
    assert _by_product(client_for(personas.coordinator))[2][0] == FRENCH


@pytest.mark.parametrize(
    ("language", "shown", "hidden"), [("en", ENGLISH, FRENCH), ("fr-ca", FRENCH, ENGLISH)]
)
def test_the_portfolio_pdf_names_the_product_in_its_language(personas, book, language, shown, hidden):
    document = Document(
        kind="portfolio_report",
        params=PERIOD,
        params_key=params_key(PERIOD),
        language=language,
        requested_by=personas.coordinator,
    )
    content, _pages, _filename = render_document(document, datetime.date(2025, 7, 2))
    text = " ".join(pdf_text(content).split())
    assert shown in text and hidden not in text
