"""With a real worker on Redis: a PDF asked for in the browser, built in the background, downloaded.
On PostgreSQL: two identical requests or two builds at the same moment make one document."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from documents import services
from documents.models import Document, DocumentStatus
from tests.documents.conftest import pdf_text
from tests.documents.worker import running_worker, wait_for


def _race(target):
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_pdf_asked_for_in_the_browser(personas, english, client_for, loan):
    client = client_for(personas.entrepreneur)
    with running_worker():
        response = client.post(
            reverse("documents:document_request", args=["loan_statement"]), {"loan": loan.pk}
        )
        assert response.status_code == 302
        document = Document.objects.get()
        page = client.get(response.url)
        assert page.status_code == 200
        if Document.objects.get().in_progress:
            assert 'hx-trigger="every 2s"' in page.content.decode()
        assert wait_for(lambda: Document.objects.get().status == DocumentStatus.DONE, timeout=60)
    page = client.get(response.url).content.decode()
    download_url = reverse("documents:document_download", args=[document.pk])
    assert download_url in page
    download = client.get(download_url)
    text = pdf_text(b"".join(download.streaming_content))
    assert "Marie Tremblay" in text and f"Loan #{loan.pk}" in text and "$1,500.00" in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_request_twice_at_the_same_moment_makes_one_document(personas, loan, monkeypatch):
    monkeypatch.setattr(services, "enqueue_build", lambda document_id: None)
    user = personas.entrepreneur.user
    results = _race(
        lambda: services.document_request(kind="loan_statement", params={"loan": loan.pk}, requested_by=user)
    )
    assert sorted(created for _document, created in results) == [False, True]
    assert len({document.pk for document, _created in results}) == 1
    assert Document.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_building_the_same_document_build_it_once(personas, loan, monkeypatch):
    monkeypatch.setattr(services, "enqueue_build", lambda document_id: None)
    document, _created = services.document_request(
        kind="loan_statement", params={"loan": loan.pk}, requested_by=personas.advisor
    )
    assert sorted(_race(lambda: services.document_build(document_id=document.pk))) == ["done", "skipped"]
    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.DONE, 1)


@pytest.mark.django_db
def test_a_build_lost_with_its_worker_is_taken_over(personas, loan, monkeypatch):
    monkeypatch.setattr(services, "enqueue_build", lambda document_id: None)
    document, _created = services.document_request(
        kind="loan_statement", params={"loan": loan.pk}, requested_by=personas.advisor
    )
    Document.objects.filter(pk=document.pk).update(status="running", claimed_at=timezone.now())
    assert services.document_build(document_id=document.pk) == "skipped"  # still running elsewhere
    Document.objects.filter(pk=document.pk).update(claimed_at=timezone.now() - datetime.timedelta(hours=1))
    assert services.document_build(document_id=document.pk) == "done"  # the redelivered task (acks_late)
