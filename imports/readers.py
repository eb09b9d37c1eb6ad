"""Reading a spreadsheet: CSV (UTF-8, with or without a byte order mark, comma or semicolon separated, as
Excel saves it in French) or XLSX (the first sheet, read row by row: memory stays flat)."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_header(text) -> str:
    """``"Date d'accueil "`` → ``"date d accueil"``: case, accents and punctuation do not matter."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cell values)


def _csv_table(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # Excel's "CSV" on Windows in French
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader, [])

    def rows():
        yield from enumerate(reader, start=2)

    return Table(headers=headers, rows=rows())


def _xlsx_table(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        raise ValidationError(_("This file cannot be read as an XLSX workbook.")) from error
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    headers = list(next(iterator, ()))

    def rows():
        for number, cells in enumerate(iterator, start=2):
            yield number, list(cells)
        workbook.close()

    return Table(headers=headers, rows=rows())


def read_table(name: str, data: bytes) -> Table:
    """The table in a file named ``name``; raises ``ValidationError`` for another kind of file."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _xlsx_table(data)
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return _csv_table(data)
    raise ValidationError(_("Send a CSV or XLSX file."))


def is_blank(cells: list) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def read_workbook(name: str, data: bytes) -> dict[str, Table]:
    """Every sheet of an XLSX workbook, by its normalized name."""
    from openpyxl import load_workbook

    if not name.lower().endswith(".xlsx"):
        raise ValidationError(
            _(
                "Loans are imported from an XLSX workbook (one sheet each for the loans, "
                "their schedules and their payments)."
            )
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        raise ValidationError(_("This file cannot be read as an XLSX workbook.")) from error
    tables = {}
    for sheet in workbook.worksheets:
        iterator = sheet.iter_rows(values_only=True)
        headers = list(next(iterator, ()))
        tables[normalize_header(sheet.title)] = Table(
            headers=headers, rows=((number, list(cells)) for number, cells in enumerate(iterator, start=2))
        )
    return tables
