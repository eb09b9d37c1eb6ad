"""A small browser for the stack walk: sessions over HTTPS from a chosen loopback address, sign-in
through the real form, and the forms and links of a page read with the standard library's parser."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

DEMO_PASSWORD = "demo-microcredit"


class SourceAddressAdapter(HTTPAdapter):
    """Connects from a given local address: each 127.0.0.x is a different client to nginx."""

    def __init__(self, source: str, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Form:
    action: str
    method: str
    fields: dict = field(default_factory=dict)
    buttons: list = field(default_factory=list)  # (name, value, text)
    testids: list = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (href, inside <nav>)
        self.forms: list[Form] = []
        self._nav_depth = 0
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav":
            self._nav_depth += 1
        elif tag == "a" and a.get("href"):
            self.links.append((a["href"], self._nav_depth > 0))
        elif tag == "form":
            self.forms.append(Form(action=a.get("action") or "", method=(a.get("method") or "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.forms[-1].fields[a["name"]] = a.get("value", "on")
            elif kind == "submit":
                self.forms[-1].buttons.append((a["name"], a.get("value", ""), a.get("value", "")))
            else:
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select, self._select_first = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
                self.forms[-1].fields.setdefault(self._select, value)
            if "selected" in a:
                self.forms[-1].fields[self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1].fields[a["name"]] = ""
        elif tag == "button":
            self._button = {"name": a.get("name"), "value": a.get("value", ""), "text": ""}
            if a.get("data-testid"):
                self.forms[-1].testids.append(a["data-testid"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav_depth -= 1
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons.append((self._button["name"], self._button["value"], self._button["text"]))
            self._button = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data
        if self._button is not None:
            self._button["text"] += data.strip()


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


class StackClient:
    def __init__(self, base: str, *, ca: str, source: str = "127.0.0.1"):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or CA bundle from the environment: this stack only
        self.session.verify = ca
        self.session.mount("https://", SourceAddressAdapter(source))
        self.session.mount("http://", SourceAddressAdapter(source))

    def url(self, path: str) -> str:
        return urljoin(self.base + "/", path)

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        return self.session.get(self.url(path), **kwargs)

    def post(self, path: str, data: dict, *, referer: str | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        headers = {"Referer": self.url(referer or path), **kwargs.pop("headers", {})}
        return self.session.post(self.url(path), data=data, headers=headers, **kwargs)

    def submit(
        self, page_path: str, form: Form, changes: dict | None = None, button=None
    ) -> requests.Response:
        data = {**form.fields, **(changes or {})}
        if button and button[0]:
            data[button[0]] = button[1]
        action = urljoin(self.url(page_path), form.action or page_path)
        return self.post(action, data, referer=page_path)

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> requests.Response:
        page = self.get("/accounts/login/")
        assert page.status_code == 200, page.status_code
        form = next(f for f in parse(page.text).forms if "password" in f.fields)
        return self.submit("/accounts/login/", form, {"username": username, "password": password})

    def same_origin_path(self, href: str, page_url: str) -> str | None:
        absolute = urljoin(page_url, href)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(self.base).netloc:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")
