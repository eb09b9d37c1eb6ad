"""The Law 25 registers over real HTTP: who reaches them (404 for everyone else), the 30-day deadline and the
coordinator's home page, the complete file of an access request, incidents and their CSV, the privacy page,
the policy's versions, and the file-access log with its purge."""

import datetime
import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from documents.models import Document, DocumentStatus
from microcredit.core.models import FileAccess, OrganizationSettings
from privacy import services
from privacy.models import Incident, PolicyVersion, PrivacyRequest
from privacy.tasks import purge_file_access_log
from tests.coaching.factories import CoachingSessionFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db

REGISTER_PAGES = (
    "privacy:request_list",
    "privacy:request_create",
    "privacy:incident_list",
    "privacy:access_log",
)


@pytest.fixture
def officer(personas):
    """The second advisor is the organization's privacy officer."""
    settings = OrganizationSettings.load()
    settings.privacy_officer = personas.other_advisor
    settings.privacy_officer_title = "Directrice générale"
    settings.privacy_officer_contact = "vie.privee@example.org"
    settings.save()
    return personas.other_advisor


def _request(personas, **fields) -> PrivacyRequest:
    return services.privacy_request_record(
        recorded_by=personas.coordinator,
        **{"profile": personas.entrepreneur, "requester": "Marie Tremblay", "kind": "access", **fields},
    )


@pytest.mark.parametrize("url_name", REGISTER_PAGES)
def test_only_the_privacy_officer_and_coordinators_reach_the_registers(
    personas, officer, client_for, url_name
):
    url = reverse(url_name)
    assert client_for(personas.coordinator).get(url).status_code == 200
    assert client_for(officer).get(url).status_code == 200
    for outsider in (personas.advisor, personas.entrepreneur, personas.board):
        assert client_for(outsider).get(url).status_code == 404
    assert client_for(personas.advisor).get(reverse("privacy:incident_csv")).status_code == 404


def test_a_request_is_due_30_days_after_receipt_and_overdue_ones_reach_the_coordinators_home(
    personas, client_for
):
    today = timezone.localdate()
    late = _request(personas, received_on=today - datetime.timedelta(days=31))
    recent = _request(personas, received_on=today - datetime.timedelta(days=3), kind="rectification")
    assert late.due_on == today - datetime.timedelta(days=1) and late.is_overdue
    assert recent.due_on == today + datetime.timedelta(days=27) and not recent.is_overdue
    with translation.override("fr-ca"):
        home = client_for(personas.coordinator).get(reverse("home")).content.decode()
    assert reverse("privacy:request_update", args=[late.pk]) in home
    assert reverse("privacy:request_update", args=[recent.pk]) not in home

    services.privacy_request_update(request=late, status="answered", answer="Dossier remis en main propre.")
    late.refresh_from_db()
    assert late.answered_on == today and not late.is_overdue
    home = client_for(personas.coordinator).get(reverse("home")).content.decode()
    assert reverse("privacy:request_update", args=[late.pk]) not in home


def test_the_officer_records_a_request_through_the_form(personas, officer, client_for):
    response = client_for(officer).post(
        reverse("privacy:request_create"),
        {
            "profile": personas.entrepreneur.pk,
            "requester": "Marie Tremblay",
            "kind": "portability",
            "received_on": "2026-11-20",
            "status": "received",
        },
    )
    assert response.status_code == 302
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.due_on, request.recorded_by) == (
        "portability",
        datetime.date(2026, 12, 20),
        officer,
    )
    # Bad input: a message next to the field, nothing lost, never a 500.
    response = client_for(officer).post(
        reverse("privacy:request_create"),
        {"requester": "Quelqu'un", "kind": "nonsense", "received_on": "hier"},
    )
    assert response.status_code == 200
    assert "Quelqu&#x27;un" in response.content.decode()
    assert set(response.context["form"].errors) == {"kind", "received_on", "status"}


def test_the_access_file_holds_the_internal_notes_unless_an_exception_is_documented(
    personas, officer, client_for
):
    CoachingSessionFactory(profile=personas.entrepreneur, staff_notes="Difficultés familiales, à suivre")
    request = _request(personas)
    url = reverse("privacy:request_file", args=[request.pk, "json"])
    data = json.loads(client_for(officer).get(url).content)
    assert data["includes_staff_only_notes"] is True
    assert (
        data["sections"]["coaching.coachingsession"][0]["staff_notes"] == "Difficultés familiales, à suivre"
    )

    settings = OrganizationSettings.load()
    settings.access_includes_staff_notes = False
    settings.staff_notes_exception = "Notes about a third party's safety (s. 40)."
    settings.save()
    content = client_for(officer).get(url).content.decode()
    assert "Difficultés familiales" not in content
    assert (
        FileAccess.objects.filter(user=officer, profile=personas.entrepreneur, what="personal_file").count()
        == 2
    )
    # Not for another kind of request, nor for an advisor who is not the officer.
    rectification = _request(personas, kind="rectification")
    assert (
        client_for(officer).get(reverse("privacy:request_file", args=[rectification.pk, "json"])).status_code
        == 404
    )
    assert client_for(personas.advisor).get(url).status_code == 404


def test_the_exception_must_be_explained(personas, client_for):
    response = client_for(personas.coordinator).post(
        reverse("privacy:settings"), {"file_access_log_days": "730", "staff_notes_exception": ""}
    )
    assert response.status_code == 200
    assert "staff_notes_exception" in response.context["form"].errors
    assert OrganizationSettings.load().access_includes_staff_notes is True


def test_the_readable_copy_is_in_her_language(personas, officer, client_for):
    user = personas.entrepreneur.user
    user.language = "en"
    user.save()
    request = _request(personas)
    with translation.override("fr-ca"):
        page = (
            client_for(officer)
            .get(reverse("privacy:request_file", args=[request.pk, "html"]))
            .content.decode()
        )
    assert "Personal file of Marie Tremblay" in page
    assert "Business name" in page and "Nom de l" not in page
    assert '<html lang="en">' in page


def test_incidents_are_recorded_and_exported_as_csv(personas, officer, client_for):
    response = client_for(officer).post(
        reverse("privacy:incident_create"),
        {
            "discovered_on": "2026-11-25",
            "description": "Courriel envoyé au mauvais destinataire",
            "information_concerned": "Nom, solde du prêt",
            "people_concerned": "1 personne",
            "risk": "low",
            "measures": "Demande de suppression au destinataire",
            "people_notified_on": "2026-11-26",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.recorded_by, incident.people_notified_on) == (officer, datetime.date(2026, 11, 26))
    with translation.override("fr-ca"):
        csv = (
            client_for(personas.coordinator).get(reverse("privacy:incident_csv")).content.decode("utf-8-sig")
        )
    header, row = csv.splitlines()[:2]
    assert header.startswith("Constaté le;Ce qui s'est passé;")
    assert row.startswith("2026-11-25;Courriel envoyé au mauvais destinataire;Nom, solde du prêt;1 personne;")
    assert "Aucun risque de préjudice sérieux" in row and "2026-11-26" in row


def test_the_privacy_page_is_public_in_both_languages_and_linked_from_every_page(personas, officer, client):
    PolicyVersion.objects.create(
        text_fr="Ancienne politique",
        text_en="Old policy",
        effective_on=datetime.date(2025, 1, 1),
        created_by=officer,
    )
    PolicyVersion.objects.create(
        text_fr="Nous protégeons vos renseignements.",
        text_en="We protect your information.",
        effective_on=datetime.date(2026, 6, 1),
        created_by=officer,
    )
    page = client.get(reverse("privacy:page"), HTTP_ACCEPT_LANGUAGE="fr-ca").content.decode()
    assert "Karim Benali" in page and "Directrice générale" in page and "vie.privee@example.org" in page
    assert "Nous protégeons vos renseignements." in page and "Ancienne politique" not in page
    assert "1er juin 2026" in page and "2025-01-01" in page  # the current version's date, and the older one
    page = client.get(reverse("privacy:page"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "We protect your information." in page and "In effect since June 1, 2026." in page
    login = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("privacy:page")}"' in login
    client.force_login(personas.entrepreneur.user)
    assert f'href="{reverse("privacy:page")}"' in client.get(reverse("home")).content.decode()


def test_coordinators_publish_a_new_version_others_cannot(personas, officer, client_for):
    url = reverse("privacy:policy_create")
    response = client_for(personas.coordinator).post(
        url, {"effective_on": "2026-11-30", "text_fr": "Version 2", "text_en": "Version 2 (en)"}
    )
    assert response.status_code == 302
    assert PolicyVersion.objects.get().effective_on == datetime.date(2026, 11, 30)
    for outsider in (officer, personas.entrepreneur, personas.board):
        assert client_for(outsider).get(url).status_code == 404


def test_staff_reads_of_a_file_are_logged_and_shown_to_the_officer(
    personas, officer, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    profile = personas.entrepreneur
    client_for(personas.advisor).get(reverse("accounts:entrepreneur_detail", args=[profile.pk]))
    client_for(personas.advisor).get(reverse("accounts:entrepreneur_export", args=[profile.pk]))
    client_for(profile).get(reverse("accounts:entrepreneur_detail", args=[profile.pk]))  # her own: not logged
    loan = disbursed_loan(borrower=profile, advisor=personas.advisor)
    document = Document(
        kind="loan_statement",
        params={"loan": loan.pk},
        params_key=json.dumps({"loan": loan.pk}),
        language="fr-ca",
        requested_by=personas.advisor,
        status=DocumentStatus.DONE,
        filename="releve.pdf",
    )
    document.file.save("x.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    document.save()
    assert (
        client_for(personas.advisor)
        .get(reverse("documents:document_download", args=[document.pk]))
        .status_code
        == 200
    )
    assert list(FileAccess.objects.order_by("pk").values_list("user__username", "what")) == [
        ("advisor", "file"),
        ("advisor", "export"),
        ("advisor", "document"),
    ]
    log = client_for(officer).get(reverse("privacy:access_log")).content.decode()
    assert "Amélie Gagnon" in log and "releve.pdf" in log


def test_the_log_is_purged_after_the_set_time(personas):
    old = FileAccess.objects.create(profile=personas.entrepreneur, user=personas.advisor, what="file")
    FileAccess.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=731))
    FileAccess.objects.create(profile=personas.entrepreneur, user=personas.advisor, what="export")
    assert purge_file_access_log() == 1
    assert list(FileAccess.objects.values_list("what", flat=True)) == ["export"]
    assert purge_file_access_log() == 0
