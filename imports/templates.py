"""The downloadable template of each kind: its columns in the chosen language, an example row, and (XLSX)
a second sheet documenting every column."""

import io

from django.utils import translation
from django.utils.translation import gettext as _

from imports.kinds.base import Kind
from microcredit.core.csv_export import csv_delimiter, write_rows


def template_csv(kind: Kind, language: str) -> bytes:
    buffer = io.StringIO()
    with translation.override(language):
        # The one CSV writer (formulas neutralized), in the template's language.
        write_rows(
            buffer,
            [
                [column.label(language) for column in kind.columns],
                [column.example for column in kind.columns],
            ],
            delimiter=csv_delimiter(),
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the byte order mark: Excel reads UTF-8


def template_zip(kind: Kind, language: str) -> bytes:
    """A kind of several sheets as CSV files (loans: ``Prêts.csv``, ``Échéancier.csv``, ``Paiements.csv``) in
    one ZIP archive, each with its example rows."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for title, sheet_kind in kind.template_sheets():
            text = io.StringIO()
            examples = getattr(sheet_kind, "examples", None) or [[c.example for c in sheet_kind.columns]]
            write_rows(
                text,
                [[column.label(language) for column in sheet_kind.columns], *examples],
                delimiter=";" if not language.startswith("en") else ",",
            )
            archive.writestr(f"{title}.csv", ("\ufeff" + text.getvalue()).encode("utf-8"))
    return buffer.getvalue()


def template_xlsx(kind: Kind, language: str) -> bytes:
    from openpyxl import Workbook

    with translation.override(language):
        workbook = Workbook()
        # A kind of several sheets (loans: loans, schedules, payments) has one sheet each, named in French.
        sheets = kind.template_sheets() if hasattr(kind, "template_sheets") else [(str(kind.title), kind)]
        doc_rows = []
        for index, (title, sheet_kind) in enumerate(sheets):
            sheet = workbook.active if index == 0 else workbook.create_sheet()
            sheet.title = title[:31]
            sheet.append([column.label(language) for column in sheet_kind.columns])
            for example in getattr(sheet_kind, "examples", None) or [[c.example for c in sheet_kind.columns]]:
                sheet.append(example)
            for column in sheet_kind.columns:
                required = _("yes") if column.required else _("no")
                doc_rows.append([title, column.label(language), required, str(column.help)])
        doc = workbook.create_sheet(_("Documentation")[:31])
        doc.append([_("Sheet"), _("Column"), _("Required"), _("What to write")])
        for row in doc_rows:
            doc.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
