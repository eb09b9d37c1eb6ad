"""No string left unmarked: what the code and the templates show is marked for translation, and every
marked string is in the French catalogue.

Two checks. The extraction (``makemessages``, run on a copy of the sources in a temporary folder, so the
committed catalogue is never rewritten) must find nothing that the catalogue lacks. And a scan finds what
the extraction cannot see: template text outside ``{% translate %}`` / ``{% blocktranslate %}``, Python
labels, help texts and messages written as plain strings, and ``gettext`` called on a variable (whose
strings the extraction only sees when they are marked with ``gettext_noop`` where they are written).
"""

import ast
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
CODE = ("circles", "loans", "coaching", "microcredit", "documents", "funds", "reports", "imports", "privacy")
SOURCES = (*CODE, "templates", "manage.py")

# Templates that are deliberately bilingual as written: the server-error page is rendered without a request
# language (and without the translation machinery that might be what failed), so it says everything twice.
BILINGUAL_TEMPLATES = {"templates/500.html"}

# gettext called on a variable, where each value is marked at the place it is written (gettext_noop) or
# comes from Django's own catalogue. A new one must be added here with the place its strings are marked.
DYNAMIC_GETTEXT = {
    ("reports/tables.py", "_(title)"),  # BREAKDOWN_TITLES, gettext_noop
    ("reports/tables.py", "_(column)"),  # BREAKDOWN_TITLES, gettext_noop
    ("reports/tables.py", "_(OTHERS[name])"),  # OTHERS, gettext_noop
    ("microcredit/core/formatting.py", "_(MONTHS_3[value.month])"),  # Django's month abbreviations
}

GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "gettext_noop"}
CONTEXT_GETTEXT = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
LABEL_KEYWORDS = {"verbose_name", "verbose_name_plural", "label", "help_text", "empty_label", "title"}
MESSAGE_CALLS = {"success", "info", "warning", "error", "ValidationError", "add_error"}
LOGGERS = {"logger", "log", "logging"}
WORD = re.compile(r"[^\W\d_]{2,}")
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"\b(?:placeholder|title|aria-label|alt)\s*=\s*\"([^\"]*)\"")
GLUED_PUNCTUATION = re.compile(r"\0[:;!?](?=\s|\0|$)")
CSS_CLASSES = re.compile(r"^\s*[a-z]+(?:-[a-z0-9]+)+(?:\s+[a-z]+(?:-[a-z0-9]+)+)*\s*$")


def _python_files():
    """(name, source) of the application's Python modules (migrations aside)."""
    for root in CODE:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _is_text(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(WORD.search(node.value))


def _choice_labels(tree) -> list[ast.AST]:
    """Plain-string labels of TextChoices/IntegerChoices members (``DRAFT = "draft", "Draft"``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            getattr(base, "attr", getattr(base, "id", "")).endswith("Choices") for base in node.bases
        ):
            for item in node.body:
                value = getattr(item, "value", None)
                is_choice = (
                    isinstance(item, ast.Assign) and isinstance(value, ast.Tuple) and len(value.elts) > 1
                )
                if is_choice and _is_text(value.elts[-1]):
                    found.append(value.elts[-1])
    return found


def unmarked_python_strings(files=None) -> list[str]:
    problems = []
    for name, source in files if files is not None else _python_files():
        tree = ast.parse(source)
        for node in _choice_labels(tree):
            problems.append(f"{name}:{node.lineno} choice label {node.value!r}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            owner = (
                func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            )
            message_index = 1 if called in CONTEXT_GETTEXT else 0
            if called in GETTEXT | CONTEXT_GETTEXT and len(node.args) > message_index:
                argument = node.args[message_index]
                if (
                    not isinstance(argument, ast.Constant)
                    and (name, ast.unparse(node)) not in DYNAMIC_GETTEXT
                ):
                    problems.append(f"{name}:{node.lineno} gettext on a variable: {ast.unparse(node)}")
            for keyword in node.keywords:
                if keyword.arg in LABEL_KEYWORDS and _is_text(keyword.value):
                    problems.append(f"{name}:{node.lineno} {keyword.arg}={keyword.value.value!r}")
            if called in MESSAGE_CALLS and owner not in LOGGERS:
                for argument in node.args:
                    if _is_text(argument) and " " in argument.value:
                        problems.append(f"{name}:{node.lineno} message {argument.value!r}")
    return problems


def _visible_text(source: str) -> str:
    """The template's own text: tags, variables and everything inside translation blocks become breaks."""
    parts, depth, in_comment = [], 0, False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            command = (token.contents.split() or [""])[0]
            depth += command in ("blocktranslate", "blocktrans")
            depth -= command in ("endblocktranslate", "endblocktrans")
            in_comment = (in_comment or command == "comment") and command != "endcomment"
            parts.append("\0")
        elif token.token_type == TokenType.TEXT and not depth and not in_comment:
            parts.append(token.contents)
        else:
            parts.append("\0")
    text = re.sub(r"<(script|style)\b.*?</\1>", "", "".join(parts), flags=re.S)
    return text


def unmarked_template_text() -> list[str]:
    problems = []
    for path in sorted((ROOT / "templates").rglob("*")):
        name = path.relative_to(ROOT).as_posix()
        if path.suffix not in (".html", ".txt") or name in BILINGUAL_TEMPLATES:
            continue
        text = _visible_text(path.read_text(encoding="utf-8"))
        # A colon, semicolon or sign typed right after a translated word or a variable reads "Advisor:" in
        # French too: such punctuation comes from the catalogue or from {% colon %}.
        for match in GLUED_PUNCTUATION.finditer(TAG.sub("", text)):
            problems.append(f"{name}: punctuation after a tag {match.group(0).strip()!r}")
        for chunk in [*ATTRIBUTE.findall(text), *TAG.sub("\0", text).split("\0")]:
            chunk = html.unescape(chunk)
            if WORD.search(chunk) and not CSS_CLASSES.match(chunk):
                problems.append(f"{name}: {chunk.strip()[:80]!r}")
    return problems


def extracted_messages(folder: Path) -> polib.POFile:
    """``makemessages -l fr`` on a copy of the sources: the committed catalogue is left alone."""
    for source in SOURCES:
        origin = ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, folder / source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(origin, folder / source)
    (folder / "locale").mkdir()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microcredit.settings.test",
        "PYTHONPATH": str(folder),
    }
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "--no-obsolete"],
        cwd=folder,
        env=environment,
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(folder / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


def test_every_extracted_string_is_in_the_french_catalogue(tmp_path):
    catalogue = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete}
    extracted = extracted_messages(tmp_path)
    assert len(extracted) > 150  # the extraction did run over the whole project
    missing = sorted(
        entry.msgid for entry in extracted if entry.msgid and (entry.msgctxt, entry.msgid) not in catalogue
    )
    assert missing == []


def test_no_user_facing_python_string_is_left_unmarked():
    assert unmarked_python_strings() == []


def test_no_template_text_is_left_unmarked():
    assert unmarked_template_text() == []


def test_the_scans_do_find_unmarked_strings(tmp_path):
    """The scans are not blind: an unmarked heading, label and template text are each reported."""
    source = (
        'forms.CharField(label="Amount")\n_(title)\nmessages.success(request, "It is saved.")\n'
        'logger.info("Reminder %s sent")\nclass Kind(models.TextChoices):\n    A = "a", "Apple"\n'
        '    B = "b", _("Banana")\n'
    )
    problems = unmarked_python_strings([("app/x.py", source)])
    assert problems == [
        "app/x.py:6 choice label 'Apple'",
        "app/x.py:1 label='Amount'",
        "app/x.py:2 gettext on a variable: _(title)",
        "app/x.py:3 message 'It is saved.'",
    ]
    assert "Total due" in _visible_text("{% load i18n %}<th>Total due</th>")
    assert "Total due" not in _visible_text('{% load i18n %}<th>{% translate "Total due" %}</th>')
    assert "Total" not in _visible_text("{% blocktranslate %}Total {{ x }}{% endblocktranslate %}")
    assert GLUED_PUNCTUATION.search(_visible_text('{% translate "Advisor" %}: {{ name }}'))
    assert not GLUED_PUNCTUATION.search(_visible_text('{% translate "Advisor" %}{% colon %} {{ name }}'))
