"""Staff-only notes never reach the entrepreneur or the board: on any page, in the timeline, in exports."""

import json

import pytest
from django.urls import reverse

from coaching import services
from coaching.models import CoachingSession
from tests.coaching.factories import STAFF_SECRET, CoachingSessionFactory, PartnerFactory, days_ago

pytestmark = pytest.mark.django_db

REFERRAL_SECRET = "REFERRAL-NOTE-91c2"
FINANCING_SECRET = "FINANCING-NOTE-4be8"
SECRETS = (STAFF_SECRET, REFERRAL_SECRET, FINANCING_SECRET)


@pytest.fixture
def story(personas):
    """Marie's coaching, with staff-only notes everywhere they can be written."""
    profile = personas.entrepreneur
    session = CoachingSessionFactory(
        profile=profile,
        shared_summary="Budget reviewed together",
        next_steps="Open a business account",
        next_follow_up_on=days_ago(-10),
    )
    referral = services.referral_create(
        profile=profile,
        partner=PartnerFactory(name="SAJE Montréal", kind="saje"),
        reason="Youth start-up program",
        created_by=personas.advisor,
        note=REFERRAL_SECRET,
        shared_items="Nom, téléphone",
        consent=True,
    )
    services.referral_change_status(
        referral=referral, to_status="sent", changed_by=personas.advisor, note=REFERRAL_SECRET
    )
    application = services.financing_create(
        profile=profile,
        kind="grant",
        program="Fonds jeunes entrepreneurs",
        amount_requested=2000,
        created_by=personas.advisor,
        note=FINANCING_SECRET,
    )
    services.financing_change_status(
        application=application, to_status="submitted", changed_by=personas.advisor, note=FINANCING_SECRET
    )
    services.milestone_record(
        profile=profile, kind="first_sale", achieved_on=days_ago(4), note="Farmers' market", recorded_by=None
    )
    return session


def _assert_no_secret(content: str) -> None:
    for secret in SECRETS:
        assert secret not in content


def test_the_entrepreneur_sees_everything_shared_and_no_note(personas, story, client_for):
    client = client_for(personas.entrepreneur)
    pages = {
        "my coaching": client.get(reverse("coaching:my_coaching")),
        "home": client.get(reverse("home")),
        "file": client.get(reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        _assert_no_secret(response.content.decode())
    mine = pages["my coaching"].content.decode()
    for shared in (
        "Budget reviewed together",
        "Open a business account",
        "SAJE Montréal",
        "Youth start-up program",
        "Fonds jeunes entrepreneurs",
        "Farmers&#x27; market",
    ):
        assert shared in mine
    assert "Open a business account" in pages["home"].content.decode()
    assert "Budget reviewed together" in pages["file"].content.decode()


def test_the_staff_read_the_notes(personas, story, client_for):
    client = client_for(personas.advisor)
    file_page = client.get(reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk]))
    assert STAFF_SECRET in file_page.content.decode()
    referral = personas.entrepreneur.referrals.get()
    assert (
        REFERRAL_SECRET
        in client.get(reverse("coaching:referral_detail", args=[referral.pk])).content.decode()
    )


def test_the_timeline_never_carries_a_note(personas, story):
    from microcredit.core.timeline import timeline_for

    for viewer in (personas.entrepreneur.user, personas.advisor, personas.coordinator):
        events = timeline_for(personas.entrepreneur, viewer)
        assert {"coaching_session", "referral", "financing", "milestone"} <= {event.kind for event in events}
        _assert_no_secret(json.dumps([(e.title, e.detail, e.url) for e in events]))
    assert timeline_for(personas.entrepreneur, personas.board) == []
    assert all(
        event.kind not in {"coaching_session", "referral", "financing", "milestone"}
        for event in timeline_for(personas.entrepreneur, personas.other_entrepreneur.user)
    )


@pytest.mark.parametrize("persona", ["entrepreneur", "advisor", "coordinator"])
def test_the_data_export_holds_the_shared_coaching_and_no_note(personas, story, client_for, persona):
    who = personas.entrepreneur if persona == "entrepreneur" else getattr(personas, persona)
    response = client_for(who).get(reverse("accounts:entrepreneur_export", args=[personas.entrepreneur.pk]))
    assert response.status_code == 200
    _assert_no_secret(response.content.decode())
    sections = json.loads(response.content)["sections"]
    session = sections["coaching.coachingsession"][0]
    assert (session["shared_summary"], session["next_steps"]) == (
        "Budget reviewed together",
        "Open a business account",
    )
    assert [topic["topic"] for topic in sections["coaching.sessiontopic"]] == ["finances"]
    assert "staff_notes" not in session
    assert [change["to_status"] for change in sections["coaching.referralstatuschange"]] == [
        "proposed",
        "sent",
    ]
    assert all("note" not in change for change in sections["coaching.referralstatuschange"])
    assert sections["coaching.financingapplication"][0]["amount_requested"] == "2000.00"
    assert sections["coaching.milestone"][0]["kind"] == "first_sale"


def test_the_board_sees_no_note_and_no_name(personas, story, client_for):
    client = client_for(personas.board)
    for url in (reverse("home"), reverse("coaching:impact")):
        content = client.get(url).content.decode()
        _assert_no_secret(content)
        # The account menu names the board member, whose random name may be a Tremblay too.
        content = content.replace(personas.board.get_full_name(), "")
        for text in ("Tremblay", "Budget reviewed together", "Youth start-up program", "SAJE Montréal"):
            assert text not in content
    for url in (
        reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk]),
        reverse("accounts:entrepreneur_export", args=[personas.entrepreneur.pk]),
        reverse("coaching:session_detail", args=[story.pk]),
    ):
        assert client.get(url).status_code == 404


def test_another_entrepreneur_sees_nothing_of_it(personas, story, client_for):
    client = client_for(personas.other_entrepreneur)
    content = client.get(reverse("coaching:my_coaching")).content.decode()
    _assert_no_secret(content)
    assert "Budget reviewed together" not in content
    assert (
        client.get(reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk])).status_code
        == 404
    )


def test_the_entrepreneur_views_never_select_the_notes(personas, story):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coaching.selectors import entrepreneur_space

    with CaptureQueriesContext(connection) as context:
        entrepreneur_space(personas.entrepreneur)
    sql = " ".join(query["sql"] for query in context.captured_queries)
    assert "staff_notes" not in sql
    assert 'statuschange"."note"' not in sql  # the status changes' staff notes
    assert CoachingSession.objects.filter(staff_notes=STAFF_SECRET).exists()
