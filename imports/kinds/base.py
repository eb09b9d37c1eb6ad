"""What every kind of import shares: columns (French and English names, a reader for the cell, the
documentation), and the values read from cells."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from imports.readers import normalize_header
from microcredit.core.money_fields import parse_amount

EARLIEST = datetime.date(1950, 1, 1)


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed in a spreadsheet cell: 5145550101.0
    return str(value).strip()


def parse_date(value) -> datetime.date:
    """A date as a spreadsheet gives it, or typed ``2024-03-15``, ``15/03/2024`` or ``2024/03/15``; a date
    before 1950 or in the future is refused."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        raw = text(value)
        day = None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d"):
            try:
                day = datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007 (a date, no time)
                break
            except ValueError:
                continue
        if day is None and re.fullmatch(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{4}", raw):
            # Written as a date, but no such day (31/02, a 13th month): the format is not what is wrong.
            raise ValidationError(
                _("“%(value)s” is not a day of the calendar: check its day and month.") % {"value": raw}
            )
        if day is None:
            raise ValidationError(
                _("“%(value)s” is not a date: write it as 2024-03-15 or 15/03/2024.") % {"value": raw}
            )
    if day < EARLIEST or day > timezone.localdate():
        raise ValidationError(
            _("The date %(date)s is out of range: it must be between %(min)s and today.")
            % {"date": day.isoformat(), "min": EARLIEST.isoformat()}
        )
    return day


def parse_money(value) -> Decimal:
    """An amount typed the Quebec way (``1 500,50``) or the English way, or a number cell."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_("Enter an amount in dollars, for example 1,500.50.")) from None
        if amount < 0:
            raise ValidationError(_("The amount cannot be negative."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("Enter at most 2 decimals (cents)."))
        return amount.quantize(Decimal("0.01"))
    return parse_amount(text(value), "fr-ca")


def parse_decimal(value) -> Decimal:
    """A rate such as ``6,5`` or ``6.5`` (a percentage, without the sign)."""
    raw = text(value).replace("%", "").replace(",", ".").strip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text(value)}) from None
    if number < 0:
        raise ValidationError(_("The number cannot be negative."))
    return number


def parse_int(value) -> int:
    raw = text(value)
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": raw}) from None


def parse_email(value) -> str:
    from django.core.validators import validate_email

    raw = text(value)
    try:
        validate_email(raw)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not an email address.") % {"value": raw}) from None
    return raw


YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
NO = {"non", "n", "no", "faux", "false", "0"}


def parse_bool(value) -> bool:
    raw = normalize_header(value)
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise ValidationError(_("Write yes or no (oui or non)."))


def choice_parser(choices, aliases: dict[str, str] | None = None) -> Callable:
    """A reader for one of ``choices`` (a TextChoices), by its code, its English or French label, or an
    alias."""

    tables = {}  # by the active language: built once, not for every cell of a long file

    def table_of(language: str | None) -> dict[str, str]:
        from django.utils import translation

        if language not in tables:
            table = {normalize_header(code): code for code in choices.values}
            for code, label in choices.choices:
                table[normalize_header(label)] = code
                for other in ("fr", "en"):
                    with translation.override(other):
                        table[normalize_header(str(label))] = code
            for alias, code in (aliases or {}).items():
                table[normalize_header(alias)] = code
            tables[language] = table
        return tables[language]

    def parse(value):
        from django.utils import translation

        wanted = normalize_header(value)
        table = table_of(translation.get_language())
        if wanted in table:
            return table[wanted]
        raise ValidationError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text(value), "choices": ", ".join(str(label) for _code, label in choices.choices)}
        )

    return parse


@dataclass(frozen=True)
class Column:
    key: str
    french: str
    english: str
    help: Promise | str
    required: bool = False
    parse: Callable = text
    example: str = ""

    def label(self, language: str) -> str:
        return self.english if language.startswith("en") else self.french


@dataclass
class Problem:
    row: int | str  # the spreadsheet's row number (with the sheet's name in a workbook of several)
    column: str
    message: str


@dataclass
class RowOutcome:
    row: int
    action: str  # "create", "update", "unchanged"
    label: str


# The dry run's page lists the outcome of the first rows only; the counts cover every row (a file of 10,000
# loans keeps no 10,000 outcomes in memory).
ROWS_SHOWN = 1000


@dataclass
class Report:
    kind: str
    rows: list[RowOutcome] = field(default_factory=list)  # the first ``ROWS_SHOWN`` outcomes
    problems: list[Problem] = field(default_factory=list)
    rows_total: int = 0
    tally: dict[str, int] = field(default_factory=lambda: {"create": 0, "update": 0, "unchanged": 0})

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def add(self, outcome: RowOutcome) -> None:
        self.tally[outcome.action] += 1
        if len(self.rows) < ROWS_SHOWN:
            self.rows.append(outcome)

    def counts(self) -> dict[str, int]:
        return dict(self.tally)

    def add_error(self, row: int, column: str, error: ValidationError | str) -> None:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        for message in messages:
            self.problems.append(Problem(row=row, column=column, message=str(message)))


class Kind:
    """One kind of file. ``apply`` is called for each valid row inside the import's transaction (in its own
    savepoint) and calls the app's services; it returns the outcome and raises ``ValidationError`` for a
    refusal. ``finish`` runs once after every row."""

    key: str = ""
    title: Promise | str = ""
    description: Promise | str = ""
    columns: tuple[Column, ...] = ()
    workbook_only = False  # True: an XLSX workbook of several sheets, no CSV

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def header_map(self, headers: list) -> tuple[dict[int, Column], list[str]]:
        """{cell index: column} for the headers of a file, and the required columns it lacks."""
        names = {}
        for column in self.columns:
            names[normalize_header(column.french)] = column
            names[normalize_header(column.english)] = column
            names[normalize_header(column.key)] = column
        found = {}
        for index, header in enumerate(headers):
            column = names.get(normalize_header(header))
            if column is not None and column not in found.values():
                found[index] = column
        missing = [c.key for c in self.columns if c.required and c not in found.values()]
        return found, missing

    def process(self, name: str, data: bytes, context: dict, report: Report) -> None:
        from imports.services import process_table

        process_table(self, name, data, context, report)

    def start(self, context: dict) -> None:
        pass

    def apply(self, values: dict, row: int, context: dict) -> RowOutcome:
        raise NotImplementedError

    def finish(self, context: dict, report: Report) -> None:
        pass

    # Service error fields (``{"email": ...}``) shown under the file's column names.
    field_columns: dict[str, str] = {}
