"""Calendar months, written once (python-dateutil's ``relativedelta`` does the arithmetic): the first and
last day of a month and a date some months away, clamped to the month's length (31 January + 1 month is
28 or 29 February)."""

import datetime

from dateutil.relativedelta import relativedelta


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    if (day.year, day.month) == (datetime.MAXYEAR, 12):
        return datetime.date.max
    return day + relativedelta(day=31)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    return day + relativedelta(months=months)
