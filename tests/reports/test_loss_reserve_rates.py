"""The loan-loss reserve's provision rates read the same on the page and in its CSV file (the walk-through
found "0 %" in the file and "0,0 %" on the page): one decimal in both, in each language; the file keeps a
plain space (French) or none (English) before the sign, which spreadsheets read as a percentage."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CAPITAL = reverse("reports:capital")


def _reserve_section(page: str, title: str) -> str:
    section = page.split(title, 1)[1]
    return section.split("</table>", 1)[0]


@pytest.mark.parametrize(
    ("language", "title", "delimiter", "expected"),
    [
        ("fr-ca", "Provision pour pertes sur prêts", ";", ["0,0 %", "10,0 %", "25,0 %", "50,0 %", "100,0 %"]),
        ("en", "Loan-loss reserve", ",", ["0.0%", "10.0%", "25.0%", "50.0%", "100.0%"]),
    ],
)
def test_the_rates_read_the_same_on_the_page_and_in_the_csv(
    personas, client_for, settings, language, title, delimiter, expected
):
    # As env_bands reads "0:0,1:10,31:25,91:50,181:100": whole percentages.
    settings.LOAN_LOSS_RESERVE_BANDS = [
        (d, Decimal(r)) for d, r in ((0, "0"), (1, "10"), (31, "25"), (91, "50"), (181, "100"))
    ]
    coordinator = personas.coordinator
    coordinator.language = language
    coordinator.save()
    client = client_for(coordinator)
    accept = language.split("-")[0]
    page = client.get(CAPITAL, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    table = _reserve_section(page, title)
    on_page = re.findall(r"<td[^>]*>\s*([\d.,]+(?:\u00a0)?%)\s*</td>", table)
    assert [value.replace("\u00a0", " ") for value in on_page] == expected
    response = client.get(CAPITAL, {"format": "csv", "table": "loss_reserve"}, HTTP_ACCEPT_LANGUAGE=accept)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))
    in_file = [row[1] for row in rows[2:] if row[1]]
    assert in_file == expected
