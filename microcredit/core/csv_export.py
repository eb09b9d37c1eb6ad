"""The one CSV writer: every CSV file the application offers goes through ``csv_response``.

A file opens right in the reader's spreadsheet: in French, cells separated by ``;`` with decimal commas
(``5251,54``), as French spreadsheets expect; in English, ``,`` and decimal points (``5251.54``). Amounts
carry no dollar sign and no grouping (a spreadsheet reads them as numbers); percentages keep their sign
(``46,25 %`` / ``46.25%``, read as percentages); dates are ISO (``2026-12-01``). UTF-8 with a byte-order mark,
so that accents read right. Any later treatment of cells (e.g. neutralizing formulas) belongs in
``csv_cell``, the one place every cell passes.
"""

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

from microcredit.core.formatting import Money, Percent, format_number, is_french


def csv_delimiter() -> str:
    return ";" if is_french() else ","


def csv_cell(value) -> str:
    """One cell, in the reader's language."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Percent):
        number = format_number(value, max(-value.as_tuple().exponent, 0), grouping=False)
        return f"{number} %" if is_french() else f"{number}%"
    if isinstance(value, Money):
        return format_number(value, 2, grouping=False)
    if isinstance(value, Decimal):
        return format_number(value, max(-value.as_tuple().exponent, 0), grouping=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def csv_response(filename: str, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download of ``rows`` (header rows included, already translated) named ``filename``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # the byte-order mark: spreadsheet programs then read the accents right
    writer = csv.writer(response, delimiter=csv_delimiter())
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return response
