"""Filters of the loans' templates. They run no query: the sections loans add to shared pages are read by
their views (``loans/panels.py``, ``microcredit/core/panels.py``)."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def regime(loan) -> str:
    """ "circle" or "individual": the guarantee regime of a loan, decided or as its amount would get it
    (``loans.selectors.guarantee_regime``, the rule's one home)."""
    from loans.selectors import guarantee_regime

    return guarantee_regime(loan)


@register.filter
def loan_number(pk) -> str:
    """A loan's number, the same words on every page: "Prêt nº 12" / "Loan #12" (never a bare "#12")."""
    return _("Loan #%(number)s") % {"number": pk}
