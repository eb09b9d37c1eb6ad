"""The one way every email is written: ``emails/<name>_subject.txt``, ``emails/<name>.txt`` and
``emails/<name>.html`` rendered in the recipient's language, as one message with a text and an HTML part.
Tasks and services build the context and call :func:`render_email`; none renders its own mail."""

from collections.abc import Sequence

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from microcredit.core.models import OrganizationSettings


def render_email(
    name: str,
    context: dict,
    *,
    to: Sequence[str],
    language: str,
    reply_to: Sequence[str] | None = None,
) -> EmailMultiAlternatives:
    """The message from the ``emails/<name>*`` templates in ``language``; ``organization`` is added to the
    context when the caller did not give it (the signature of every mail)."""
    context = {"organization": OrganizationSettings.load(), **context}
    with translation.override(language):
        # One line (a header cannot hold a line break); no-break spaces kept.
        subject = " ".join(
            line.strip() for line in render_to_string(f"emails/{name}_subject.txt", context).splitlines()
        ).strip()
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=list(to), reply_to=list(reply_to) if reply_to else None
    )
    message.attach_alternative(html, "text/html")
    return message
