"""The one CSV writer: every CSV file the application offers goes through ``csv_response``.

A file opens right in the reader's spreadsheet: in French, cells separated by ``;`` with decimal commas
(``5251,54``), as French spreadsheets expect; in English, ``,`` and decimal points (``5251.54``). Amounts
carry no dollar sign and no grouping (a spreadsheet reads them as numbers); percentages keep their sign and
the page's decimals (``46,3 %`` / ``46.3%``, read as percentages: ``format_percent``, the page's
formatter); dates are ISO (``2026-12-01``). UTF-8 with a byte-order mark, so that accents read right.

Formulas never run: a *text* cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(what a spreadsheet would read as a formula, e.g. a circle named ``=HYPERLINK("http://…"&A1)``) gets a leading
apostrophe (``'=HYPERLINK(…``), which spreadsheets show as text and never evaluate (OWASP's advice for CSV
injection). Numbers (ints, Decimals, amounts, percentages) and dates are written by this module itself and
stay numbers, negative ones included (``-12,50`` is a number, not a formula): only text is neutralized.
``csv_cell`` is the one place every cell passes (the board's tables, the import templates, any other file).
"""

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

from microcredit.core.formatting import Money, Percent, format_number, format_percent, is_french


def csv_delimiter() -> str:
    return ";" if is_french() else ","


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """Text that a spreadsheet would run as a formula, made plain text (see the module's docstring)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
    """One cell, in the reader's language; text that could run as a formula neutralized."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Percent):
        return format_percent(value, spreadsheet=True)
    if isinstance(value, Money):
        return format_number(value, 2, grouping=False)
    if isinstance(value, Decimal):
        return format_number(value, max(-value.as_tuple().exponent, 0), grouping=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralize(str(value))


def write_rows(file, rows: Iterable[Iterable], *, delimiter: str | None = None) -> None:
    """``rows`` written to ``file`` (anything with ``write``), every cell through ``csv_cell``."""
    writer = csv.writer(file, delimiter=delimiter or csv_delimiter())
    writer.writerows([csv_cell(value) for value in row] for row in rows)


def csv_response(filename: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download of ``rows`` (header rows included, already translated) named ``filename``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # the byte-order mark: spreadsheet programs then read the accents right
    write_rows(response, rows)
    return response
