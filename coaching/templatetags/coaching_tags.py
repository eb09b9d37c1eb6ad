"""Filters of the coaching templates. They run no query: the sections coaching adds to shared pages are
read by their views (``coaching/panels.py``)."""

from django import template

from microcredit.core.formatting import format_money

register = template.Library()


@register.filter
def flag_badge(level: str) -> str:
    """The Bootstrap badge class of a flag level."""
    return {"danger": "text-bg-danger", "warning": "text-bg-warning", "info": "text-bg-info"}.get(
        level, "text-bg-secondary"
    )


_STATUS_BADGES = {
    "proposed": "text-bg-secondary",
    "sent": "text-bg-info",
    "in_progress": "text-bg-primary",
    "completed": "text-bg-success",
    "declined": "text-bg-dark",
    "preparing": "text-bg-secondary",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "refused": "text-bg-danger",
    "withdrawn": "text-bg-dark",
}


@register.filter
def status_badge(status: str) -> str:
    return _STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def cad(amount) -> str:
    """An amount in Canadian dollars (``formatting.format_money``), "—" when there is none."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount)
