"""Recording a meeting keeps what was typed (issue #13, 6): recorded only on or after its day (no button
before, the view refuses too); attendance starts empty, with "mark everyone present"; each text has a stated
size, and a text too long (a 2 MB paste) comes back whole with the error at its field, never a 400."""

import datetime
import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from circles.models import MeetingStatus
from tests.circles.factories import MeetingFactory, circle_with_members

TODAY = timezone.localdate()


def record_url(meeting) -> str:
    return reverse("circles:meeting_record", args=[meeting.pk])


def record_data(page, **overrides) -> dict:
    """What the record page sends as it is: every member's row, nothing chosen or typed."""
    formset = page.context["formset"]
    data = {
        "members-TOTAL_FORMS": str(len(formset.forms)),
        "members-INITIAL_FORMS": str(len(formset.forms)),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for index, form in enumerate(formset):
        data[f"members-{index}-profile_id"] = form.initial["profile_id"]
        data[f"members-{index}-attendance"] = form.initial["attendance"]
    return {**data, **overrides}


def test_a_meeting_ahead_offers_no_record_and_the_view_refuses(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    ahead = MeetingFactory(circle=circle, date=TODAY + datetime.timedelta(days=18))
    today = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)

    circle_page = client.get(reverse("circles:circle_detail", args=[circle.pk])).content.decode()
    assert record_url(today) in circle_page and record_url(ahead) not in circle_page
    assert "À consigner le jour même" in circle_page
    detail = client.get(reverse("circles:meeting_detail", args=[ahead.pk])).content.decode()
    assert record_url(ahead) not in detail and "À consigner à partir du" in detail

    for response in (client.get(record_url(ahead), follow=True), client.post(record_url(ahead), follow=True)):
        assert response.redirect_chain[-1][0] == reverse("circles:meeting_detail", args=[ahead.pk])
        assert "pourra être consignée à partir du" in response.content.decode()
    ahead.refresh_from_db()
    assert ahead.status == MeetingStatus.PLANNED


def test_attendance_starts_empty_and_a_forgotten_row_is_refused(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting))
    html = page.content.decode()
    assert len(re.findall(r'<option value="" selected>— choisir —</option>', html)) == 4
    assert "Marquer tout le monde présent" in html

    data = record_data(page, **{"members-0-attendance": "present", "members-1-progress": "Premier client"})
    response = client.post(record_url(meeting), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("Choisissez la présence de ce membre.") == 3
    assert "Premier client" in content and "Rien n\u2019a été enregistré" in content
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not meeting.attendance.exists()


def test_mark_everyone_present_without_javascript_keeps_what_was_typed(personas, client_for):
    circle = circle_with_members(4, advisor=personas.advisor)
    meeting = MeetingFactory(circle=circle, date=TODAY - datetime.timedelta(days=1))
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting))
    data = record_data(
        page,
        **{
            "mark_all_present": "1",
            "members-2-difficulties": "Fournisseur en retard",
            "decisions": "Épargne",
        },
    )
    response = client.post(record_url(meeting), data)
    assert response.status_code == 200
    assert [form["attendance"].value() for form in response.context["formset"]] == ["present"] * 4
    content = response.content.decode()
    assert content.count('<option value="present" selected>') == 4
    assert (
        "Fournisseur en retard" in content
        and "Épargne" in content
        and "Tout le monde est marqué présent" in content
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED  # nothing saved until "Save the meeting"

    data.pop("mark_all_present")
    data.update(
        {f"members-{i}-attendance": "present" for i in range(4)}, **{"members-3-attendance": "excused"}
    )
    assert client.post(record_url(meeting), data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert sorted(meeting.attendance.values_list("status", flat=True)) == [
        "excused",
        "present",
        "present",
        "present",
    ]


def test_a_two_megabyte_paste_comes_back_whole_with_the_error_at_its_field(personas, client_for):
    # Any body the proxy lets through (client_max_body_size 12m) is read by Django, never a 400.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 12 * 1024 * 1024
    circle = circle_with_members(4, advisor=personas.advisor)
    meeting = MeetingFactory(circle=circle, date=TODAY)
    client = client_for(personas.advisor)
    page = client.get(record_url(meeting))
    html = page.content.decode()
    assert html.count('data-maxlength="2000"') == 12 and html.count('data-maxlength="5000"') == 3
    assert "2\u00a0000 caractères au plus." in html and "5\u00a0000 caractères au plus." in html
    assert not re.search(r'[^-]maxlength="2000"', html)  # the browser never cuts a paste short

    paste = ("Réunion très productive : épargne, clientèle, fournisseurs. " * 35_000)[:2_000_000]
    data = record_data(
        page,
        **{f"members-{i}-attendance": "present" for i in range(4)},
        **{
            "members-1-progress": paste,
            "members-0-help_offered": "Contact chez SAJE",
            "shared_notes": "Bravo",
        },
    )
    response = client.post(record_url(meeting), data)
    assert response.status_code == 200
    errors = response.context["formset"][1].errors
    assert list(errors) == ["progress"]
    assert (
        "2\u00a0000 caractères au plus, s\u2019il vous plaît\u00a0: ce texte en compte 2\u00a0000\u00a0000."
        in errors["progress"][0]
    )
    content = response.content.decode()
    assert paste in content and "Contact chez SAJE" in content and "Bravo" in content
    # The error sits at its field: right after the refused box.
    box_end = content.index("</textarea>", content.index('name="members-1-progress"'))
    assert "ce texte en compte" in content[box_end : box_end + 1500]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
