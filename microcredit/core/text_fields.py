"""Text boxes with a stated size (issue #13, 6): ``LimitedTextField`` says "At most 2 000 characters." next to
the box and carries ``data-maxlength`` for the live counter (static/js/forms.js). It deliberately leaves out
the browser's ``maxlength``, which would cut a long paste without a word: a text that is too long is refused
by the server with a message at the field, and comes back whole, to be shortened."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

from microcredit.core.formatting import format_count


def _at_most(limit: int) -> str:
    return ngettext("At most %(count)s character.", "At most %(count)s characters.", limit) % {
        "count": format_count(limit)
    }


at_most = lazy(_at_most, str)


class LimitedTextarea(forms.Textarea):
    def __init__(self, *, rows: int = 2, limit: int, attrs=None):
        super().__init__(attrs={"rows": rows, "data-maxlength": limit, **(attrs or {})})


class LimitedTextField(forms.CharField):
    def __init__(self, *, max_length: int, rows: int = 2, required: bool = False, **kwargs):
        self.limit = max_length
        kwargs.setdefault("widget", LimitedTextarea(rows=rows, limit=max_length))
        kwargs.setdefault("help_text", at_most(max_length))
        super().__init__(required=required, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and len(value) > self.limit:
            raise ValidationError(
                gettext(
                    "At most %(limit)s characters, please: this text has %(count)s. Shorten it (it is kept)."
                )
                % {"limit": format_count(self.limit), "count": format_count(len(value))},
                code="max_length",
            )
