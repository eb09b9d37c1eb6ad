import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microcredit.core.dates import DateFormField, DateKind
from reports.selectors import default_period

EARLIEST = datetime.date(2000, 1, 1)  # no microcredit before that; keeps month arithmetic in range


def date_input():  # a fresh widget for each field
    return forms.DateInput(attrs={"type": "date", "class": "form-control"})


class ReportPeriodForm(forms.Form):
    as_of = DateFormField(kind=DateKind.PAST, label=_("As of"), required=False, widget=date_input())
    start = DateFormField(
        kind=DateKind.PAST,
        label=_("Period from"),
        required=False,
        widget=date_input(),
    )
    end = DateFormField(kind=DateKind.PAST, label=_("to"), required=False, widget=date_input())

    def clean(self):
        data = super().clean()
        for name in ("as_of", "start", "end"):
            if data.get(name) and data[name] < EARLIEST:
                self.add_error(name, _("Choose a date after 1999."))
                data[name] = None
        as_of = data.get("as_of") or timezone.localdate()
        if as_of > timezone.localdate():
            self.add_error("as_of", _("The date cannot be in the future."))
        # A period ending after the as-of date becomes the twelve months up to it: changing only the as-of
        # date (the form shows all three) moves the period with it, to the period a board member's kept
        # figures are for (``reports.selectors.keep_board_report``).
        end = min(data.get("end") or as_of, as_of)
        start = data.get("start") or default_period(end)
        if data.get("end") and data["end"] > as_of:
            start = default_period(end)
        if start > end:
            self.add_error("start", _("The period must start before it ends."))
        data.update(as_of=as_of, start=start, end=end)
        return data

    def dates(self) -> tuple[datetime.date, datetime.date, datetime.date]:
        """(as_of, start, end): the defaults when the form is empty or invalid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["as_of"], self.cleaned_data["start"], self.cleaned_data["end"]
        today = timezone.localdate()
        return today, default_period(today), today
