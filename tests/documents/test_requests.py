"""Asking for a PDF over real HTTP, as each persona: in progress, then a download; one build at a time;
a failure with a way to retry; outsiders get a 404; files purged after the retention period."""

import datetime
import re

import pytest
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from documents import services
from documents.models import Document, DocumentStatus
from microcredit.core.privacy import last_closed_month_end
from tests.circles.factories import CircleFactory
from tests.documents.conftest import pdf_text

pytestmark = pytest.mark.django_db


def _ask(client, kind, capture, execute=True, **params):
    with capture(execute=execute):
        return client.post(reverse("documents:document_request", args=[kind]), params)


def _document(response) -> Document:
    assert response.status_code == 302, response.status_code
    return Document.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def test_the_borrower_asks_for_the_statement_and_downloads_it(
    personas, english, client_for, loan, django_capture_on_commit_callbacks
):
    client = client_for(personas.entrepreneur)
    page = client.get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    assert "Download statement (PDF)" in page and "Loan agreement (PDF)" in page
    document = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, loan=loan.pk))
    assert (document.kind, document.params, document.requested_by) == (
        "loan_statement",
        {"loan": loan.pk},
        personas.entrepreneur.user,
    )
    assert document.status == DocumentStatus.DONE and document.language == "en"
    status_page = client.get(reverse("documents:document_detail", args=[document.pk]))
    assert "hx-trigger" not in status_page.content.decode()  # ready: nothing asks again
    assert reverse("documents:document_download", args=[document.pk]) in status_page.content.decode()
    download = client.get(reverse("documents:document_download", args=[document.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"] and ".pdf" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF-")
    assert "Marie Tremblay" in pdf_text(content)
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", document.file.name)  # a generated name


def test_while_in_progress_the_page_refreshes_itself_and_asking_again_starts_nothing(
    personas, english, client_for, loan, django_capture_on_commit_callbacks
):
    client = client_for(personas.advisor)
    first = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, False, loan=loan.pk))
    again = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, False, loan=loan.pk))
    assert first == again and Document.objects.count() == 1
    url = reverse("documents:document_detail", args=[first.pk])
    page = client.get(url)
    html = page.content.decode()
    assert "Refresh" not in page.headers  # no reload of the whole page (focus, screen readers)
    assert 'data-status="pending"' in html and 'aria-live="polite"' in html
    assert f'hx-get="{url}?shown=pending"' in html and 'hx-trigger="every 2s"' in html
    # Asked again while nothing changed: nothing is sent back (htmx keeps the region and asks again).
    assert client.get(url, {"shown": "pending"}, HTTP_HX_REQUEST="true").status_code == 204
    # Once it changed, only the region comes back.
    Document.objects.filter(pk=first.pk).update(status=DocumentStatus.RUNNING, claimed_at=timezone.now())
    region = client.get(url, {"shown": "pending"}, HTTP_HX_REQUEST="true")
    assert region.status_code == 200 and "<html" not in region.content.decode()
    assert 'data-status="running"' in region.content.decode()
    assert client.get(reverse("documents:document_download", args=[first.pk])).status_code == 404
    # Someone else asking for the same statement gets their own copy.
    other = _document(
        _ask(
            client_for(personas.coordinator),
            "loan_statement",
            django_capture_on_commit_callbacks,
            loan=loan.pk,
        )
    )
    assert other != first and other.status == DocumentStatus.DONE


@pytest.mark.parametrize(
    ("persona", "kind", "status"),
    [
        ("owner", "loan_statement", 302),
        ("owner", "loan_agreement", 302),
        ("advisor", "loan_statement", 302),
        ("other_advisor", "loan_agreement", 302),
        ("coordinator", "loan_statement", 302),
        ("outsider", "loan_statement", 404),
        ("outsider", "loan_agreement", 404),
        ("board", "loan_statement", 404),
    ],
)
def test_who_may_ask_for_a_loans_documents(
    personas, client_for, loan, persona, kind, status, django_capture_on_commit_callbacks
):
    user = {"owner": personas.entrepreneur, "outsider": personas.other_entrepreneur}.get(persona)
    client = client_for(user or getattr(personas, persona))
    response = _ask(client, kind, django_capture_on_commit_callbacks, False, loan=loan.pk)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "kind", "status"),
    [
        ("coordinator", "portfolio_report", 302),
        ("board", "portfolio_report", 302),
        ("advisor", "portfolio_report", 404),
        ("owner", "portfolio_report", 404),
        ("advisor", "circle_report", 302),
        ("coordinator", "circle_report", 302),
        ("board", "circle_report", 404),
        ("owner", "circle_report", 404),
    ],
)
def test_who_may_ask_for_the_reports(
    personas, client_for, loan, persona, kind, status, django_capture_on_commit_callbacks
):
    client = client_for(personas.entrepreneur if persona == "owner" else getattr(personas, persona))
    params = {"circle": loan.circle_id} if kind == "circle_report" else {}
    assert _ask(client, kind, django_capture_on_commit_callbacks, False, **params).status_code == status


def test_nonsense_requests_are_not_found(personas, client_for, loan, django_capture_on_commit_callbacks):
    client = client_for(personas.coordinator)
    assert _ask(client, "payroll", django_capture_on_commit_callbacks).status_code == 404
    assert (
        _ask(client, "loan_statement", django_capture_on_commit_callbacks, loan="1 OR 1").status_code == 404
    )
    assert _ask(client, "loan_statement", django_capture_on_commit_callbacks, loan=999999).status_code == 404
    assert client.get(reverse("documents:document_request", args=["portfolio_report"])).status_code == 405
    assert Document.objects.count() == 0


def test_nobody_else_reaches_someone_elses_document(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    document = _document(
        _ask(
            client_for(personas.entrepreneur),
            "loan_statement",
            django_capture_on_commit_callbacks,
            loan=loan.pk,
        )
    )
    urls = [
        reverse("documents:document_detail", args=[document.pk]),
        reverse("documents:document_download", args=[document.pk]),
    ]
    for person in (personas.other_entrepreneur, personas.advisor, personas.coordinator, personas.board):
        client = client_for(person)
        assert [client.get(url).status_code for url in urls] == [404, 404]
        assert client.post(reverse("documents:document_retry", args=[document.pk])).status_code == 404
        assert (
            f">{document.kind_label}<" not in client.get(reverse("documents:document_list")).content.decode()
        )
    anonymous = client_for(personas.entrepreneur)
    anonymous.logout()
    assert anonymous.get(urls[1]).status_code == 302  # to the sign-in page


def test_losing_access_to_the_loan_loses_access_to_its_pdf(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    client = client_for(personas.advisor)
    document = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, loan=loan.pk))
    personas.advisor.role = "board"
    personas.advisor.save()
    assert client.get(reverse("documents:document_download", args=[document.pk])).status_code == 404


def test_a_failure_is_shown_with_a_way_to_retry(
    personas, english, client_for, loan, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html):
        raise RuntimeError("the PDF engine is broken")

    monkeypatch.setattr(services, "render_pdf", broken)
    client = client_for(personas.advisor)
    document = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, loan=loan.pk))
    assert document.status == DocumentStatus.FAILED and "broken" in document.error
    page = client.get(reverse("documents:document_detail", args=[document.pk]))
    assert "hx-trigger" not in page.content.decode()
    assert (
        "could not be prepared" in page.content.decode()
        and 'data-testid="document-retry"' in page.content.decode()
    )
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:document_retry", args=[document.pk]))
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.attempts, document.error) == (DocumentStatus.DONE, 2, "")
    assert client.get(reverse("documents:document_download", args=[document.pk])).status_code == 200


def test_a_lost_build_can_be_asked_for_again(personas, client_for, loan, django_capture_on_commit_callbacks):
    client = client_for(personas.advisor)
    lost = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, False, loan=loan.pk))
    Document.objects.filter(pk=lost.pk).update(queued_at=timezone.now() - datetime.timedelta(hours=1))
    fresh = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, loan=loan.pk))
    lost.refresh_from_db()
    assert fresh != lost and fresh.status == DocumentStatus.DONE
    assert lost.status == DocumentStatus.FAILED


@override_settings(DOCUMENT_RETENTION_DAYS=7)
def test_files_are_purged_after_the_retention_period(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    client = client_for(personas.advisor)
    old = _document(_ask(client, "loan_statement", django_capture_on_commit_callbacks, loan=loan.pk))
    recent = _document(_ask(client, "loan_agreement", django_capture_on_commit_callbacks, loan=loan.pk))
    Document.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))
    old.refresh_from_db()
    assert default_storage.exists(old.file.name)
    assert services.documents_purge() == 1
    assert not default_storage.exists(old.file.name)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.file.name) == (DocumentStatus.EXPIRED, "")
    assert recent.status == DocumentStatus.DONE and default_storage.exists(recent.file.name)
    assert client.get(reverse("documents:document_download", args=[old.pk])).status_code == 404
    assert client.get(reverse("documents:document_detail", args=[old.pk])).status_code == 200


def test_the_buttons_on_the_circle_page_and_the_home_pages(personas, english, client_for, loan):
    circle_page = client_for(personas.advisor).get(reverse("circles:circle_detail", args=[loan.circle_id]))
    assert 'data-testid="document-circle_report"' in circle_page.content.decode()
    for person in (personas.board, personas.coordinator):
        home = client_for(person).get(reverse("home")).content.decode()
        assert 'data-testid="document-portfolio_report"' in home
    advisor_home = client_for(personas.advisor).get(reverse("home")).content.decode()
    assert 'data-testid="document-portfolio_report"' not in advisor_home
    closed = CircleFactory(status="dissolved", advisor=personas.advisor)
    page = (
        client_for(personas.advisor).get(reverse("circles:circle_detail", args=[closed.pk])).content.decode()
    )
    assert 'data-testid="document-circle_report"' in page  # a closed circle still has its history


def test_the_buttons_carry_their_csrf_token(personas, loan, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.entrepreneur.user)
    page = client.get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    form = re.search(r"<form[^>]+documents/new/loan_statement/.*?</form>", page, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    url = reverse("documents:document_request", args=["loan_statement"])
    assert client.post(url, {"loan": loan.pk}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"loan": loan.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and _document(response).status == DocumentStatus.DONE


def test_the_dashboard_asks_for_the_pdf_of_its_dates(
    personas, english, client_for, loan, django_capture_on_commit_callbacks
):
    client = client_for(personas.board)
    dates = {"as_of": "2026-10-31", "start": "2026-01-01", "end": "2026-06-30"}
    page = client.get(reverse("reports:dashboard"), dates).content.decode()
    for name, value in dates.items():
        assert f'name="{name}" value="{value}"' in page  # the button carries the dashboard's dates
    document = _document(_ask(client, "portfolio_report", django_capture_on_commit_callbacks, **dates))
    assert document.params == dates
    download = client.get(reverse("documents:document_download", args=[document.pk]))
    assert "2026-10-31" in download["Content-Disposition"]
    assert "Portfolio as of October 31, 2026" in pdf_text(document.file.read())
    # From the home page, no dates: the last month ended and the twelve months up to it, written down at the
    # request (the board sees closed months only).
    document = _document(_ask(client, "portfolio_report", django_capture_on_commit_callbacks))
    closed = last_closed_month_end(timezone.localdate()).isoformat()
    assert document.params["as_of"] == closed and document.params["end"] == closed


@pytest.mark.parametrize(
    "dates",
    [
        {"as_of": "2999-01-01"},  # in the future
        {"start": "2026-06-01", "end": "2026-01-01"},
        {"as_of": "not a date"},
    ],
)
def test_impossible_report_dates_are_refused(personas, client_for, django_capture_on_commit_callbacks, dates):
    response = _ask(
        client_for(personas.board), "portfolio_report", django_capture_on_commit_callbacks, **dates
    )
    assert response.status_code == 404
    assert not Document.objects.exists()


def test_a_period_ending_after_the_as_of_date_ends_on_it_in_the_pdf_too(
    personas, client_for, loan, django_capture_on_commit_callbacks
):
    """As on the dashboard (changing only the as-of date moves the period's end with it)."""
    dates = {"as_of": "2026-06-30", "start": "2026-01-01", "end": "2026-07-31"}
    document = _document(
        _ask(client_for(personas.board), "portfolio_report", django_capture_on_commit_callbacks, **dates)
    )
    assert (document.params["as_of"], document.params["end"]) == ("2026-06-30", "2026-06-30")
