"""Every refusal is visible and nothing typed is lost (issue #13, 7).

The forms are discovered, not listed: every URL pattern of the project (the crawl's walk) is requested as
each persona who works in the app, with several objects for each id (a draft, a request under review, a
disbursed loan...), and every ``method="post"`` form on the page is submitted back with invalid data:
each text box and text area gets a distinct typed text, each date, number, amount or e-mail box a value
that cannot be read, and each choice an option that does not exist. What comes back (after following a
redirect) must either be an accepted submission or show a refusal: an error next to a field or at the top,
every error the bound forms hold rendered on the page, and each typed text back in its box."""

import datetime
import html
import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.forms import BaseForm, BaseFormSet
from django.utils import timezone

from circles.models import Membership
from loans import selectors as loan_selectors
from tests.circles.factories import MeetingFactory, TrainingFactory, circle_with_members
from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    PartnerFactory,
    ReferralFactory,
)
from tests.core.test_crawl import every_pattern
from tests.loans.factories import disbursed_loan, request_in_circle
from tests.loans.factories import services as loan_services

# Forms that are not a person's data entry: language switch, sign-out. A document request's parameters are
# chosen from bounded boxes, and what cannot be read answers 404 on purpose (nothing told about what exists:
# tests/documents/test_requests.py).
SKIPPED_ACTIONS = ("/i18n/setlang/", "/accounts/logout/", "/documents/new/")
UNREADABLE = {"date": "31/31/zz", "number": "zz", "email": "zz", "time": "99:99"}


class FormParser(HTMLParser):
    """The post forms of a page: their action and their fields as a browser would send them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                kind = f"unchecked-{kind}"
            self._form["fields"].append(
                {"name": name, "kind": kind, "value": attrs.get("value", ""), "attrs": attrs}
            )
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "kind": "textarea", "value": "", "attrs": attrs}
            self._form["fields"].append(self._textarea)
        elif tag == "select" and name:
            self._select = {"name": name, "kind": "select", "value": "", "options": [], "attrs": attrs}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


MODES = ("unreadable", "blank", "tampered")


def invalid_submission(form: dict, mode: str) -> tuple[dict, dict]:
    """The data to send, and the texts typed (field name → text) that must come back.

    ``unreadable``: texts typed, every other box unreadable; ``blank``: everything left empty;
    ``tampered``: texts typed, the hidden inputs (a one-time key, an id) changed."""
    data: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    for number, field in enumerate(form["fields"]):
        name, kind, attrs = field["name"], field["kind"], field["attrs"]
        if kind in ("submit", "button", "file", "unchecked-checkbox", "unchecked-radio", "image"):
            if kind == "submit" and name and not any(f["name"] == name for f in form["fields"][:number]):
                data.setdefault(name, []).append(field["value"])
            continue
        management = name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS"))
        if name == "csrfmiddlewaretoken" or management or (kind == "hidden" and mode != "tampered"):
            value = field["value"]
        elif kind == "hidden":
            value = "zz"
        elif mode == "blank":
            value = ""
        elif kind == "select":
            value = "987654-no-such-choice"
        elif kind in UNREADABLE:
            value = UNREADABLE[kind]
        elif attrs.get("inputmode") in ("decimal", "numeric"):
            value = "zz"
        elif kind in ("text", "textarea", "search", "tel", "url", ""):
            maxlength = int(attrs.get("maxlength") or 60)
            value = f"Tapé{number}é"[:maxlength]
            typed[name] = value
        else:
            value = field["value"]
        data.setdefault(name, []).append(value)
    return data, typed


def bound_forms(context) -> list:
    found = []
    if context is None:
        return found
    for layer in context if isinstance(context, list) else [context]:
        for value in layer.flatten().values():
            if (
                isinstance(value, BaseForm | BaseFormSet)
                and value.is_bound
                and id(value) not in map(id, found)
            ):
                found.append(value)
    return found


def error_texts(form) -> list[str]:
    if isinstance(form, BaseFormSet):
        texts = [str(e) for e in form.non_form_errors()]
        for member in form.forms:
            texts += error_texts(member)
        return texts
    return [str(message) for errors in form.errors.values() for message in errors]


REFUSAL_MARKERS = ('class="invalid-feedback', "alert-danger", 'class="errorlist')


@pytest.fixture
def world(personas):
    """Objects of each kind, in the states where their forms appear."""
    advisor, entrepreneur = personas.advisor, personas.entrepreneur
    circle = circle_with_members(4, advisor=advisor)
    peer_request = loan_services.loan_submit(
        loan=(peer := request_in_circle(borrower=None, advisor=advisor)),
        submitted_by=peer.borrower.user,
    )
    # The entrepreneur's circle reviews a peer's request (the vote form on their side).
    under_review = request_in_circle(advisor=advisor, members=5)
    Membership.objects.create(
        circle=Membership.objects.get(profile=under_review.borrower).circle, profile=entrepreneur
    )
    under_review = loan_services.loan_submit(loan=under_review, submitted_by=under_review.borrower.user)
    draft = loan_services.loan_request_create(
        borrower=entrepreneur,
        prepared_by=entrepreneur.user,
        product=peer_request.product,
        amount=peer_request.amount,
        term=12,
        purpose="Four",
        plan_summary="Boulangerie",
        plan_market="Quartier",
        plan_use_of_funds="Four",
        plan_projections="",
    )
    accepted = request_in_circle(advisor=advisor)
    accepted = loan_services.loan_submit(loan=accepted, submitted_by=accepted.borrower.user)
    for member in loan_selectors.eligible_voters(accepted):
        loan_services.circle_vote_record(loan=accepted, member=member, vote="for", recorded_by=advisor)
    accepted = loan_services.circle_decision_record(
        loan=accepted, outcome="circle_accepted", decided_by=advisor
    )
    disbursed = disbursed_loan(advisor=advisor)
    today = timezone.localdate()
    past_meeting = MeetingFactory(circle=circle, date=today - datetime.timedelta(days=1))
    training = TrainingFactory(advisor=advisor)
    payment = loan_services.payment_record(
        loan=disbursed, amount=Decimal("10.00"), paid_on=today, method="cash", recorded_by=advisor
    )
    return {
        "circles/memberships/": [circle.memberships.first().pk],
        "circles/meetings/": [past_meeting.pk, MeetingFactory(circle=circle).pk],
        "circles/trainings/": [training.pk],
        "circles/": [circle.pk],
        "loans/payments/": [payment.pk],
        "loans/products/": [disbursed.product_id],
        "loans/": [draft.pk, under_review.pk, peer_request.pk, accepted.pk, disbursed.pk],
        "coaching/sessions/": [CoachingSessionFactory(profile=entrepreneur).pk],
        "coaching/referrals/": [ReferralFactory(profile=entrepreneur).pk],
        "coaching/financing/": [FinancingApplicationFactory(profile=entrepreneur).pk],
        "coaching/partners/": [PartnerFactory().pk],
        "": [entrepreneur.pk],
    }


def pages(world: dict):
    for route in every_pattern():
        if route.startswith("admin/") or "<path:" in route or "<str:" in route:
            continue
        pks = next(pks for prefix, pks in world.items() if route.startswith(prefix))
        for pk in pks if "<int:" in route else [None]:
            yield "/" + re.sub(r"<int:\w+>", str(pk), route).lstrip("^").rstrip("$")


def check_refusal(visitor, action: str, data: dict, typed: dict) -> list[str]:
    """What is wrong with the answer to one invalid submission (nothing when it was accepted)."""
    response = visitor.post(action, data, follow=True)
    content = response.content.decode()
    visible = any(marker in content for marker in REFUSAL_MARKERS)
    if response.status_code >= 500 or (response.status_code >= 400 and not visible):
        return [f"answered {response.status_code}"]  # a refused upload may answer 400 with its form
    if response.redirect_chain and not visible:
        return []  # accepted
    problems = [] if visible else ["refused with no visible message"]
    expected = Counter(text for form in bound_forms(response.context) for text in error_texts(form))
    for text, times in expected.items():
        if content.count(html.escape(text)) < times:
            problems.append(f"error not shown ({times} expected): {text!r}")
    lost = sorted(field for field, text in typed.items() if html.escape(text) not in content)
    if lost:
        problems.append(f"typed text lost in {lost}")
    return problems


def test_every_form_shows_its_refusal_and_keeps_what_was_typed(personas, world, client_for):
    visitors = {
        name: client_for(getattr(personas, name)) for name in ("coordinator", "advisor", "entrepreneur")
    }
    problems, submitted = [], set()
    for url in dict.fromkeys(pages(world)):
        for name, visitor in visitors.items():
            page = visitor.get(url)
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            parser = FormParser()
            parser.feed(page.content.decode())
            for form in parser.forms:
                action = urlsplit(urljoin(url, html.unescape(form["action"]) or url)).path
                if action.startswith(SKIPPED_ACTIONS):
                    continue
                for mode in MODES:
                    data, typed = invalid_submission(form, mode)
                    if not typed and not any(f["kind"] in ("select", *UNREADABLE) for f in form["fields"]):
                        continue  # a button (submit, cancel...): nothing to type, nothing to lose
                    key = (name, action, mode, tuple(sorted(data)))
                    if key not in submitted:
                        submitted.add(key)
                        for problem in check_refusal(visitor, action, data, typed):
                            problems.append(f"{name} {action} {mode} (from {url}): {problem}")
    assert len(submitted) >= 100, len(submitted)
    assert not problems, "\n".join(problems)
