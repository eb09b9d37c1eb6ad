"""How the application writes money, percentages, counts and dates, per language: the one home.

Built on Django's localization (the active language's format module: ``microcredit/formats/fr_CA`` and
``microcredit/formats/en``), not Babel: Django already picks the reader's language for every request, email
and PDF (``translation.override``), its number formats give the decimal mark and grouping we need, its month
and day names come from the same catalogue as the rest of the interface, and it adds no dependency to the
locked requirements. What Django does not write the Quebec way is done here, once: the dollar sign after the
amount, the non-breaking space before ``$`` and ``%``, "1er" for the first day of a month.

=====================  ======================  =====================
What                   French (fr-ca)          English
=====================  ======================  =====================
money                  ``12 345,67 $``         ``$12,345.67``
percentage             ``46,3 %``              ``46.3%``
count                  ``1 234``               ``1,234``
long date (sentences)  ``1er décembre 2026``   ``December 1, 2026``
short date (tables)    ``2026-12-01``          ``2026-12-01``
moment (tables)        ``2026-12-01 13 h 40``  ``2026-12-01 1:40 p.m.``
hour                   ``13 h 40``             ``1:40 p.m.``
month (chart axes)     ``déc.``                ``Dec``
=====================  ======================  =====================

The spaces are non-breaking (U+00A0), so "46,3" and "%" never land on two lines. Templates use the filters
of the ``microcredit`` library (``money``, ``percent``, ``count``, ``longdate``, ``shortdate``, and for a
moment ``longdatetime`` in sentences, "1er décembre 2026, 13 h 40", ``shortdatetime`` in tables, ``clock``
for an hour), never Django's raw ``date``/``time`` filters or ``str()`` on a date; Python
code (messages, charts, tables, CSV) calls these functions. CSV cells are written by
``microcredit.core.csv_export``, which reads numbers the way a spreadsheet of that language does.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from microcredit.core.money import to_cents

NBSP = "\xa0"
MISSING = "—"


def _day(value) -> datetime.date:
    """A date, or the local date of a datetime (an aware datetime is read in the organization's time zone)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def is_french() -> bool:
    return (get_language() or "").startswith("fr")


def format_number(value, places: int = 0, *, grouping: bool = True) -> str:
    """A number with the reader's decimal mark and thousands grouping ("1 234,5" / "1,234.5")."""
    if value in (None, ""):
        return ""
    if isinstance(value, float):
        value = Decimal(str(value))
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(value, places, use_l10n=True, force_grouping=grouping)


def format_money(amount) -> str:
    """An amount in dollars, to the cent, the way the reader's language writes it: "1 500,00 $" in French,
    "$1,500.00" in English (the ``money`` template filter). A negative amount: "-5,00 $" / "-$5.00"."""
    if amount in (None, ""):
        return ""
    cents = to_cents(amount)
    number = formats.number_format(abs(cents), 2, use_l10n=True, force_grouping=True)
    sign = "-" if cents < 0 else ""
    return f"{sign}{number}{NBSP}$" if is_french() else f"{sign}${number}"


def format_amount_input(amount) -> str:
    """An amount as a money input shows it back for editing, as the reader types it: the reader's decimal
    mark and grouping, no dollar sign ("2 000,00" in French, "2,000.00" in English), which the money field
    reads back unchanged."""
    return formats.number_format(to_cents(amount), 2, use_l10n=True, force_grouping=True)


PERCENT_PLACES = 1  # every percentage of the reports: on the page, in the PDF and in the CSV files


def format_percent(value, places: int = PERCENT_PLACES, *, spreadsheet: bool = False) -> str:
    """A percentage given in percent (46.25 means 46.25 %): "46,3 %" in French, "46.3%" in English.
    ``None`` reads "—" (nothing to divide by). ``spreadsheet``: the same decimals for a CSV cell, without
    grouping and with an ordinary space ("1234,5 %"), which a spreadsheet reads as a percentage."""
    if value is None or value == "":
        return MISSING
    number = format_number(value, places, grouping=not spreadsheet)
    if not is_french():
        return f"{number}%"
    return f"{number} %" if spreadsheet else f"{number}{NBSP}%"


def format_rate(value) -> str:
    """An interest rate as its product states it, up to two decimals without trailing zeros ("7,5 %")."""
    if value is None or value == "":
        return MISSING
    value = Decimal(value).quantize(Decimal("0.01"))
    places = 0 if value == value.to_integral() else (1 if value * 10 == (value * 10).to_integral() else 2)
    return format_percent(value, places)


def format_count(value) -> str:
    """A whole count, grouped ("1 234" / "1,234"); a string (such as "<5") is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return format_number(int(value), 0)


def format_ordinal(value: int) -> str:
    """An ordinal number: "1er", "2e" / "1st", "2nd", "3rd", "11th" (a loan cycle: "1er prêt de Marie")."""
    value = int(value)
    if is_french():
        return "1er" if value == 1 else f"{value}e"
    if 10 <= value % 100 <= 20:
        return f"{value}th"
    return f"{value}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(value % 10, 'th') }"


def format_date(value) -> str:
    """The long date of sentences: "1er décembre 2026", "12 décembre 2026" / "December 1, 2026"."""
    if not value:
        return ""
    value = _day(value)
    text = formats.date_format(value, "DATE_FORMAT")
    if is_french() and value.day == 1:
        # Quebec (OQLF) writes the first day of a month as an ordinal: "1er janvier".
        text = "1er" + text[1:] if text.startswith("1") else text
    return text


def format_datetime(value) -> str:
    """A moment in a sentence: "1er décembre 2026, 13 h 40" / "December 1, 2026, 1:40 p.m."."""
    return f"{format_date(value)}, {format_time(value)}" if value else ""


def format_short_datetime(value) -> str:
    """A moment in a table: the short date and the hour, "2026-12-01 13 h 40" / "2026-12-01 1:40 p.m."."""
    return f"{format_short_date(value)} {format_time(value)}" if value else ""


def format_time(value) -> str:
    """An hour of the day: "18 h 30" / "6:30 p.m."; a datetime is read in the organization's time zone."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.time_format(value, "TIME_FORMAT")


def format_short_date(value) -> str:
    """The one short date of tables and forms, the same in both languages: 2026-12-01 (ISO, as the Office
    québécois de la langue française and the Canadian standard recommend)."""
    if not value:
        return ""
    value = _day(value)
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def format_weekday_date(value) -> str:
    """A day with its weekday, for agendas: "samedi 12 décembre" / "Saturday, December 12"."""
    if not value:
        return ""
    value = _day(value)
    if is_french():
        day = "1er" if value.day == 1 else str(value.day)
        return f"{formats.date_format(value, 'l')} {day} {formats.date_format(value, 'F')}"
    return formats.date_format(value, "l, F j")


# The Office québécois de la langue française's abbreviations (Django's French catalogue has "jan.", "fév.").
FRENCH_MONTHS_SHORT = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juill.", "août", "sept.", "oct.", "nov.", "déc."
)  # fmt: skip


def format_month(value: datetime.date) -> str:
    """A month on a chart axis, short, in the reader's language: "déc." / "Dec" (lower case in French)."""
    if is_french():
        return FRENCH_MONTHS_SHORT[value.month - 1]
    return _(MONTHS_3[value.month]).capitalize()


def format_label_value(label: str, value: str) -> str:
    """ "Label: value", with French's non-breaking space before the colon (chart tooltips)."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def format_month_year(value: datetime.date) -> str:
    """A month in a table: "décembre 2026" / "December 2026"."""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


class Money(Decimal):
    """A report cell holding an amount in dollars (a Decimal that knows it is money)."""


class Percent(Decimal):
    """A report cell holding a percentage, in percent (46.25 is 46.25 %)."""


def format_cell(value) -> str:
    """A cell of a report table on the screen or in the PDF: money, percentages, counts and dates each the
    reader's way; None reads "—"; text (labels, "<5") as it is."""
    if value is None:
        return MISSING
    if isinstance(value, Percent):
        return format_percent(value)
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, Decimal):
        return format_number(value, max(-value.as_tuple().exponent, 0))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, datetime.date):
        return format_short_date(value)
    return str(value)


def colon() -> str:
    """A colon after a label: French puts a non-breaking space before it."""
    return f"{NBSP}:" if is_french() else ":"
