"""Background work about the board's reports. Tasks call selectors."""

from celery import shared_task


@shared_task(name="reports.keep_board_month", soft_time_limit=20 * 60, time_limit=25 * 60)
def keep_board_month() -> int:
    """Hourly (beat): the board's default report (the last closed month, the default period) and the reports
    as of the closed month ends before it (``keep_board_report``) computed and kept when they are not (a
    payment typed late into a month forgot them), so that board members read kept figures
    (``loans.month_figures``). Run twice, it keeps the figures once. Returns how many it computed."""
    from reports.selectors import keep_board_report

    return keep_board_report()
