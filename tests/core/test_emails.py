"""Every email goes through the one renderer (text + HTML, in the recipient's language)."""

import re
from pathlib import Path

import pytest
from django.core import mail

from microcredit.core.emails import render_email

ROOT = Path(__file__).resolve().parents[2]
APPS = ["microcredit", "circles", "loans", "coaching", "documents", "reports", "imports"]


def test_no_module_builds_its_own_mail():
    builders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if (path.name == "emails.py" and path.parent.name == "core") or "migrations" in path.parts:
                continue
            text = path.read_text()
            if re.search(r"EmailMultiAlternatives\(|EmailMessage\(|send_mail\(|\"emails/", text):
                builders.append(str(path.relative_to(ROOT)))
    assert builders == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "greeting"), [("fr-ca", "Bonjour"), ("en", "Hello")])
def test_a_message_has_both_parts_in_the_recipients_language(language, greeting, personas):
    advisor = personas.advisor
    message = render_email(
        "invitation",
        {"person": advisor, "link": "https://example.org/x", "username": advisor.username},
        to=[advisor.email],
        language=language,
    )
    message.send()
    sent = mail.outbox[-1]
    assert "\n" not in sent.subject
    assert sent.body.startswith(greeting)
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and greeting in html and "https://example.org/x" in html
