"""Counters of 1 000 and more are written by the formatting module ("4 000", never "4000"), in the tiles of
the home pages and in the captions that count a list's rows, and a count meets its noun through the plural."""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from coaching.selectors.impact import Figure
from microcredit.core.selectors import ShareRow

NBSP = "\xa0"


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr-ca"):
        yield


def test_the_staff_tiles_group_thousands():
    page = render_to_string(
        "loans/_panel_staff.html", {"in_review": 4000, "to_decide": 12, "to_disburse": 1000, "late": 0}
    )
    assert f'<div class="stat">4{NBSP}000</div>' in page
    assert f'<div class="stat">1{NBSP}000</div>' in page
    assert '<div class="stat">12</div>' in page and '<div class="stat">0</div>' in page


@pytest.mark.django_db
def test_a_list_caption_groups_thousands_and_keeps_its_plural(rf):
    paginator = SimpleNamespace(count=4000, num_pages=1)
    page = render_to_string(
        "coaching/partner_list.html",
        {"paginator": paginator, "object_list": [], "filter": SimpleNamespace(form=[])},
        request=rf.get("/"),
    )
    assert f"4{NBSP}000 partenaires" in page
    paginator.count = 1
    page = render_to_string(
        "coaching/partner_list.html",
        {"paginator": paginator, "object_list": [], "filter": SimpleNamespace(form=[])},
        request=rf.get("/"),
    )
    assert "1 partenaire<" in page


def test_board_figures_group_thousands_and_keep_small_counts_hidden():
    assert Figure("sessions", 4000).display == f"4{NBSP}000"
    assert Figure("sessions", None).display == "<5"
    assert ShareRow("Femmes", 1234, 50).display == f"1{NBSP}234"
    assert ShareRow("Femmes", 1234, 50, masked=True).display == "—"
