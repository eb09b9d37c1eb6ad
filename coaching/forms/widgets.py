from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(
            _("This date is in the future: enter the day it happened."), code="future"
        )
    return value
