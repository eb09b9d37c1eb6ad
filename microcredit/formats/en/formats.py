"""Canadian English formats: one long date for sentences ("December 15, 2026", not "Dec. 15, 2026") and the
same short date as in French for tables (2026-12-15, ISO, never the American 12/15/2026)."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "F j, Y"  # December 15, 2026
DATETIME_FORMAT = "F j, Y, P"  # December 15, 2026, 1:40 p.m.
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-15
SHORT_DATETIME_FORMAT = "Y-m-d P"  # 2026-12-15 1:40 p.m.
