"""Reading a spreadsheet: CSV (UTF-8, with or without a byte order mark, comma or semicolon separated, as
Excel saves it in French) or XLSX (the first sheet, read row by row: memory stays flat). A file is given as
its bytes or as an open binary file (an uploaded batch's stored file: read as a stream, never whole)."""

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

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


def binary(data: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(data) if isinstance(data, bytes | bytearray) else data


def _encoding_of(handle: BinaryIO) -> str:
    """UTF-8 (with or without its byte order mark) if the whole file decodes so, else Windows-1252 (Excel's
    "CSV" on Windows in French); read in pieces, then the file is rewound."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    handle.seek(0)
    return encoding


def _csv_table(data: bytes | BinaryIO) -> Table:
    handle = binary(data)
    text = io.TextIOWrapper(handle, encoding=_encoding_of(handle), newline="")
    first_line = text.readline()
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(itertools.chain([first_line], text), delimiter=delimiter)
    headers = next(reader, [])

    def rows():
        yield from enumerate(reader, start=2)

    return Table(headers=headers, rows=rows())


def _xlsx_table(data: bytes | BinaryIO) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(binary(data), read_only=True, data_only=True)
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


def read_table(name: str, data: bytes | BinaryIO) -> Table:
    """The table in a file named ``name``; raises ``ValidationError`` for another kind of file."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        return _xlsx_table(data)
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return _csv_table(data)
    raise ValidationError(_("Send a CSV or XLSX file."))


def is_blank(cells: list) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


ZIP_MAX_MEMBERS = 10
ZIP_MAX_UNPACKED = 100 * 1024 * 1024  # 100 MB in all, unpacked: a ZIP bomb is refused before it is read


def _zip_tables(data: bytes | BinaryIO) -> dict[str, Table]:
    """The CSV files of a ZIP archive by their normalized name without ``.csv`` (``Prêts.csv``: ``prets``),
    each read as a stream."""
    import zipfile

    try:
        archive = zipfile.ZipFile(binary(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as error:
        raise ValidationError(_("This file cannot be read as a ZIP archive.")) from error
    csvs = [info for info in members if info.filename.lower().endswith(".csv")]
    if len(members) > ZIP_MAX_MEMBERS or sum(info.file_size for info in members) > ZIP_MAX_UNPACKED:
        raise ValidationError(_("The ZIP archive holds too many or too large files."))
    tables = {}
    for info in csvs:
        stem = info.filename.rsplit("/", 1)[-1][: -len(".csv")]
        tables[normalize_header(stem)] = _csv_table(archive.open(info))
    return tables


def read_workbook(name: str, data: bytes | BinaryIO) -> dict[str, Table]:
    """Every sheet of an XLSX workbook by its normalized name, or every CSV file of a ZIP archive by its
    name (the same tables as CSV files: ``prets.csv``, ``echeancier.csv``, ``paiements.csv``)."""
    from openpyxl import load_workbook

    if name.lower().endswith(".zip"):
        return _zip_tables(data)
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(
            _(
                "Loans are imported from an XLSX workbook (one sheet each for the loans, their schedules and "
                "their payments) or a ZIP archive of three CSV files with the same names."
            )
        )
    try:
        workbook = load_workbook(binary(data), read_only=True, data_only=True)
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
