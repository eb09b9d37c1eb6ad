"""Background work about the board's reports. Tasks call selectors."""

from celery import shared_task


@shared_task(name="reports.keep_board_month")
def keep_board_month() -> bool:
    """Hourly (beat): the board's default report (the last closed month, the default period) computed and
    kept when it is not (a payment typed late into that month forgot it), so that board members read kept
    figures (``loans.month_figures``). Run twice, it keeps the figures once. True when it computed them."""
    from reports.selectors import keep_board_report

    return keep_board_report()
