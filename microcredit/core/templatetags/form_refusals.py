"""``{% refusal_summary %}`` (in base.html): every refused form says so at the top of the page.

It looks at the page's context for bound forms and formsets that did not validate and writes one alert:
"not saved, correct what is marked below", plus the errors nothing else can show next to a field: those of
hidden inputs (a one-time key, a row's id, a formset's management data) and of a formset's own checks. So no
refusal is ever silent, whatever a template renders by hand (issue #13, 7). Only after a POST: a filter or
report form bound to a query string is not a refusal."""

from django import template
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.forms import BaseForm, BaseFormSet
from django.template.loader import render_to_string

register = template.Library()


# Signing in and asking for a reset save nothing: their pages say what is wrong themselves.
NOT_SAVING = (AuthenticationForm, PasswordResetForm)


def _refused(context) -> list:
    found, seen = [], set()
    for layer in context.flatten().values():
        if isinstance(layer, NOT_SAVING):
            continue
        if isinstance(layer, BaseForm | BaseFormSet) and layer.is_bound and id(layer) not in seen:
            seen.add(id(layer))
            if not layer.is_valid():
                found.append(layer)
    return found


def _unplaced_errors(form) -> list[str]:
    """Errors that have no visible field to sit next to."""
    if isinstance(form, BaseFormSet):
        errors = [] if form.management_form.is_valid() else [str(e) for e in form.management_form.errors]
        errors += [str(e) for e in form.non_form_errors()]
        for member in form.forms:
            errors += _unplaced_errors(member)
        return errors
    return [
        f"{field.label}: {message}" if field.label else str(message)
        for field in form.hidden_fields()
        for message in field.errors
    ]


@register.simple_tag(takes_context=True)
def refusal_summary(context) -> str:
    request = context.get("request")
    refused = _refused(context) if request is not None and request.method == "POST" else []
    if not refused:
        return ""
    errors = [error for form in refused for error in _unplaced_errors(form)]
    return render_to_string("partials/refusal_summary.html", {"errors": errors})
