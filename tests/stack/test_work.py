"""Real work through the stack: a payment recorded through its form, a PDF built by the real documents
worker and downloaded, both over HTTPS through nginx."""

import re
import time

from tests.stack.client import parse

LOAN_LINK = re.compile(r"^/loans/(\d+)/$")


def signed_in(stack, username):
    client = stack()
    assert client.sign_in(username).status_code == 302
    return client


def a_loan_taking_payments(client) -> int:
    """The first loan of the advisor's list whose page offers "Record a payment"."""
    page = client.get("/loans/")
    assert page.status_code == 200
    for href, _ in parse(page.text).links:
        match = LOAN_LINK.match(href)
        if match and f"/loans/{match[1]}/payments/new/" in client.get(href).text:
            return int(match[1])
    raise AssertionError("no loan of the demo takes payments")


def test_a_payment_is_recorded_through_the_form(stack):
    client = signed_in(stack, "amelie")
    loan = a_loan_taking_payments(client)
    form_path = f"/loans/{loan}/payments/new/"
    page = client.get(form_path)
    form = next(f for f in parse(page.text).forms if "amount" in f.fields)
    # Typed the Quebec way; the advisor reads the amount back before anything is recorded.
    answer = client.submit(form_path, form, {"amount": "21,50", "reference": "stack-walk"})
    assert answer.status_code == 200
    shown = 'Vous enregistrez un paiement de <strong data-testid="confirm-amount">21,50\xa0$</strong>'
    assert shown in answer.text
    confirm = next(f for f in parse(answer.text).forms if "confirm" in f.testids)
    assert "stack-walk" not in client.get(f"/loans/{loan}/").text  # nothing recorded yet
    answer = client.submit(form_path, confirm, button=("step", "confirm", ""))
    assert answer.status_code == 302, answer.text[:2000]
    loan_page = client.get(f"/loans/{loan}/")
    assert "stack-walk" in loan_page.text
    assert "21,50\xa0$" in loan_page.text


def test_a_pdf_is_built_by_the_documents_worker_and_downloaded(stack):
    client = signed_in(stack, "amelie")
    loan = a_loan_taking_payments(client)
    page = client.get(f"/loans/{loan}/")
    form = next(f for f in parse(page.text).forms if "document-loan_statement" in f.testids)
    answer = client.submit(f"/loans/{loan}/", form)
    assert answer.status_code == 302
    status_path = answer.headers["Location"]
    download = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(status_path)
        assert status.status_code == 200
        download = next((href for href, _ in parse(status.text).links if href.endswith("/download/")), None)
        if download:
            break
        time.sleep(1)
    assert download, "the documents worker did not build the PDF in 2 minutes"
    pdf = client.get(download)
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert "no-store" in pdf.headers["Cache-Control"] and "private" in pdf.headers["Cache-Control"]
    assert client.get(download).status_code == 200  # the same document, not a second build
    assert stack().get(download).status_code == 302  # anonymous: sign in first
