import io
import re

import pytest
from pypdf import PdfReader

from loans import services
from tests.loans.factories import disbursed_loan


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, with every run of spaces (non-breaking ones too) made one plain space."""
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"[ \t\u00a0\u202f]+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


@pytest.fixture
def loan(personas):
    """A disbursed loan of the persona entrepreneur (in the persona advisor's circle), with one payment."""
    loan = disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, amount="1500.00")
    services.payment_record(
        loan=loan,
        amount=loan.instalments.get(number=1).total_due,
        paid_on=loan.disbursed_on,
        method="transfer",
        reference="VIR-42",
        recorded_by=personas.advisor,
    )
    return loan


@pytest.fixture
def english(personas):
    for user in (personas.entrepreneur.user, personas.advisor, personas.coordinator, personas.board):
        user.language = "en"
        user.save()
