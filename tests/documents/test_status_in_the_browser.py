"""A PDF being prepared, in a French browser: the status region updates in place (htmx) when the document
is ready — the page is not reloaded, so focus and what a screen reader is reading stay put."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from documents import services
from documents.models import Document, DocumentStatus
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_download_appears_without_reloading_the_page(browser, live_server, personas, loan, monkeypatch):
    monkeypatch.setattr(services, "enqueue_build", lambda document_id: None)  # no worker: it stays pending
    document, _created = services.document_request(
        kind="loan_statement", params={"loan": loan.pk}, requested_by=personas.entrepreneur.user
    )
    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + f"/documents/{document.pk}/")
    region = browser.find_element(By.ID, "document-status")
    assert region.get_attribute("aria-live") == "polite"
    assert "Votre document attend son tour" in region.text
    browser.execute_script("window.notReloaded = true;")

    document.file.save("statement.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.DONE, file=document.file.name, pages=1, size=9, finished_at=timezone.now()
    )
    WebDriverWait(browser, 15).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "[data-testid=document-download]")
    )
    assert browser.execute_script("return window.notReloaded === true;")
    assert "Votre document est prêt" in browser.find_element(By.ID, "document-status").text
