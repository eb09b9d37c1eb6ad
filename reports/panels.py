"""The board's key figures on its home page (``microcredit/core/panels.py``), imported by
``ReportsConfig.ready()``: the dashboard's own tables, board version, shown by
``templates/reports/_home_board.html``."""

from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.models import Role, User
from microcredit.core.panels import panel
from microcredit.core.privacy import board_dates

HOME_FIGURES = (
    "active_loans",
    "outstanding",
    "disbursed_count",
    "disbursed_amount",
    "collection_rate",
    "written_off",
)


@panel("home", "board_figures")
def board_key_figures(user: User) -> dict | None:
    """The same selectors and privacy rule as the dashboard (as of the end of the last closed month, over
    the twelve months up to it): what shows "—" there shows "—" here."""
    if user.role != Role.BOARD:
        return None
    from reports.selectors import default_period, portfolio_report
    from reports.tables import report_tables

    today = timezone.localdate()
    as_of, _start, end = board_dates(today, today, today, today=today)
    report = portfolio_report(as_of=as_of, start=default_period(end), end=end, for_board=True)
    kpis, par = report_tables(report, for_board=True)[:2]
    rows = dict(zip(kpis.row_keys, kpis.rows, strict=True))
    figures = [rows[key] for key in HOME_FIGURES[:4]]
    par30 = par.rows[par.row_keys.index("par30")]
    figures.append([_("Portfolio at risk: share more than 30 days late (PAR30)"), par30[3]])
    figures += [rows[key] for key in HOME_FIGURES[4:]]
    return {"figures": figures, "report": report}
