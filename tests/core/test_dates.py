"""Dates in range everywhere (issue #14, 2): every date field of every form, found by walking the code,
refuses year 1, the typo 0026, 2200 and 9999-12-31 with a message; the bounds themselves are accepted; and the
three requests that used to answer 500 now answer the form with a message next to the field."""

import datetime
import importlib
import pkgutil

import polib
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from circles.models import MeetingStatus
from loans.models import LoanStatus
from microcredit.core import dates
from tests.circles.factories import MeetingFactory, circle_with_members
from tests.loans.factories import approved_loan

PROJECT_PACKAGES = ("circles", "loans", "coaching", "microcredit")
ABSURD = ["0001-01-01", "0026-11-30", "1989-12-31", "2200-01-01", "9999-12-31"]


def _import_everything():
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module.name or module.name.startswith("microcredit.settings"):
                continue
            importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms():
    _import_everything()
    found = {
        form
        for form in _subclasses(forms.BaseForm)
        if form.__module__.startswith(PROJECT_PACKAGES) and hasattr(form, "base_fields")
    }
    return sorted(found, key=lambda form: f"{form.__module__}.{form.__qualname__}")


def date_fields():
    """(form, name, field) for every date field of every form of the project, and of the admin's forms."""
    rows = []
    for form in project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField):
                rows.append(pytest.param(field, id=f"{form.__module__}.{form.__qualname__}.{name}"))
    return rows


def model_date_fields():
    return [
        pytest.param(field, id=f"{model._meta.label}.{field.name}")
        for model in apps.get_models()
        if model.__module__.startswith(PROJECT_PACKAGES)
        for field in model._meta.concrete_fields
        if type(field) is not models.DateTimeField and isinstance(field, models.DateField) and field.editable
    ]


def test_the_walk_finds_the_forms_with_dates():
    names = {param.id.rsplit(".", 1)[0].rsplit(".", 1)[-1] for param in date_fields()}
    # A few that must be there, so the walk cannot silently find nothing.
    assert {"DisbursementForm", "PaymentForm", "MeetingPlanForm", "SessionForm", "ImpactPeriodForm"} <= names
    assert len(date_fields()) >= 15


@pytest.mark.parametrize("field", date_fields())
def test_every_form_date_field_refuses_absurd_dates_and_accepts_its_bounds(field):
    assert isinstance(field, dates.DateFormField), "use BoundedDateField/DateFormField (core.dates)"
    with translation.override("fr"):
        for value in ABSURD:
            with pytest.raises(ValidationError) as refused:
                field.clean(value)
            assert refused.value.messages and all(refused.value.messages), value
        # The day before the lower bound and the day after the upper one; a five-digit year.
        one_day = datetime.timedelta(days=1)
        low, high = dates.earliest(field.kind), dates.latest(field.kind)
        for value in (low - one_day, high + one_day, "10000-01-01"):
            with pytest.raises(ValidationError):
                field.clean(str(value))
        for day in (dates.earliest(field.kind), dates.latest(field.kind), timezone.localdate()):
            assert field.clean(day.isoformat()) == day


@pytest.mark.parametrize("field", date_fields())
def test_every_form_date_field_refuses_with_a_translated_message(field):
    with pytest.raises(ValidationError) as refused:
        field.clean("0001-01-01")
    (error,) = refused.value.error_list
    assert "1990" in refused.value.messages[0]  # the bound is shown
    # The message is in the French catalogue, translated (the catalogue test checks no entry is fuzzy).
    catalogue = {
        e.msgid: e.msgstr for e in polib.pofile(str(settings.LOCALE_PATHS[0] / "fr/LC_MESSAGES/django.po"))
    }
    with translation.override(None):
        msgid = str(error.message)
    assert catalogue.get(msgid), msgid


@pytest.mark.parametrize("field", model_date_fields())
def test_every_editable_model_date_gives_a_bounded_form_field(field):
    """Model forms, and the admin's, get their date fields from the models: each one is bounded."""
    assert isinstance(field, dates.BoundedDateField)
    assert isinstance(field.formfield(), dates.DateFormField)


def test_the_admin_date_fields_are_bounded(rf, personas):
    request = rf.get("/")
    request.user = personas.coordinator
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith(PROJECT_PACKAGES):
            continue
        form = model_admin.get_form(request)
        for field in form.base_fields.values():
            if isinstance(field, forms.DateField):
                assert isinstance(field, dates.DateFormField), model
                checked += 1
    assert checked >= 5


def test_the_picker_gets_the_same_bounds(settings):
    field = dates.DateFormField(kind=dates.DateKind.PAST)
    html = str(field.widget.render("d", None))
    assert f'min="{settings.DATE_EARLIEST_YEAR}-01-01"' in html
    assert f'max="{timezone.localdate().isoformat()}"' in html


@override_settings(DATE_EARLIEST_YEAR=2010, DATE_YEARS_AHEAD=2, LOAN_DISBURSEMENT_DAYS_AHEAD=3)
def test_the_bounds_follow_the_settings():
    today = timezone.localdate()
    assert dates.earliest() == datetime.date(2010, 1, 1)
    assert dates.latest(dates.DateKind.ANY).year == today.year + 2
    assert dates.latest(dates.DateKind.DISBURSEMENT) == today + datetime.timedelta(days=3)
    with pytest.raises(ValidationError):
        dates.check_date(datetime.date(2009, 12, 31))


# --- The three 500s of the issue, through HTTP -------------------------------------------------------------


def _disburse(client, loan, **data):
    return client.post(
        reverse("loans:loan_disburse", args=[loan.pk]),
        {"disbursed_on": timezone.localdate().isoformat(), "method": "transfer", "reference": "V", **data},
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_due", "9999-12-31"),
        ("first_due", "2200-01-01"),
        ("disbursed_on", "0001-01-01"),
        ("disbursed_on", "0026-11-30"),
        ("disbursed_on", "9999-12-31"),
    ],
)
def test_an_absurd_disbursement_date_is_a_message_next_to_the_field(personas, client_for, field, value):
    loan = approved_loan(advisor=personas.advisor)
    response = _disburse(client_for(personas.coordinator), loan, **{field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED


def test_the_first_due_date_stays_within_the_products_window(personas, client_for):
    loan = approved_loan(advisor=personas.advisor)
    loan.product.first_due_max_days = 45
    loan.product.save()
    today = timezone.localdate()
    client = client_for(personas.coordinator)
    refused = _disburse(client, loan, first_due=(today + datetime.timedelta(days=46)).isoformat())
    assert refused.status_code == 200
    assert "45" in str(refused.context["form"].errors["first_due"])
    shown = _disburse(client, loan, first_due=(today + datetime.timedelta(days=45)).isoformat())
    assert shown.status_code == 200 and "reviewed" in shown.context


def test_the_impact_page_with_an_absurd_start_says_so(personas, client_for):
    client = client_for(personas.board)
    for value in ("9999-12-31", "0001-01-01", "2200-01-01"):
        response = client.get(reverse("coaching:impact"), {"start": value})
        assert response.status_code == 200
        assert response.context["period"].errors["start"]
    # The month arithmetic itself no longer overflows at the end of the calendar.
    from microcredit.core.privacy import board_dates, last_closed_month_end

    last = datetime.date.max
    as_of, start, end = board_dates(last, last, last, today=timezone.localdate())
    assert as_of == end == last_closed_month_end(timezone.localdate()) and start == end.replace(day=1)


def test_the_report_with_an_absurd_date_says_so(personas, client_for):
    response = client_for(personas.coordinator).get(reverse("reports:dashboard"), {"as_of": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]


def _record_data(meeting, rows, *, initial):
    data = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "decisions": "Décision à garder",
    }
    for index, profile_id in enumerate(rows):
        data[f"members-{index}-profile_id"] = str(profile_id)
        data[f"members-{index}-attendance"] = "present"
    return data


@pytest.mark.parametrize("case", ["no_initial_forms", "stranger", "twice", "next_date_9999"])
def test_a_tampered_meeting_record_is_a_message_not_a_500(personas, client_for, case):
    circle = circle_with_members(4, advisor=personas.advisor)
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    client = client_for(personas.advisor)
    url = reverse("circles:meeting_record", args=[meeting.pk])
    members = [form.initial["profile_id"] for form in client.get(url).context["formset"]]
    data = _record_data(meeting, members, initial=len(members))
    if case == "no_initial_forms":
        data["members-INITIAL_FORMS"] = "0"
        for index in range(len(members)):
            del data[f"members-{index}-profile_id"], data[f"members-{index}-attendance"]
    elif case == "stranger":
        data["members-0-profile_id"] = str(personas.other_entrepreneur.pk)
    elif case == "twice":
        data["members-1-profile_id"] = data["members-0-profile_id"]
    else:
        data["next_date"] = "9999-12-31"
    response = client.post(url, data)
    assert response.status_code == 200
    formset, form = response.context["formset"], response.context["form"]
    assert formset.non_form_errors() or any(formset.errors) or form.errors
    assert "Décision à garder" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_meeting_record_with_no_initial_forms_but_every_member_is_recorded(personas, client_for):
    """INITIAL_FORMS=0 with complete rows is not an attack: every row is still validated and recorded."""
    circle = circle_with_members(4, advisor=personas.advisor)
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    client = client_for(personas.advisor)
    url = reverse("circles:meeting_record", args=[meeting.pk])
    members = [form.initial["profile_id"] for form in client.get(url).context["formset"]]
    response = client.post(url, _record_data(meeting, members, initial=0))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
