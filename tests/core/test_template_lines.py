"""Templates are formatted one element per line, so a change can be read in a diff: no template line is
longer than ``LIMIT`` characters.

Block elements sit on lines of their own, long start tags put their attributes on lines of their own,
and long translated sentences are wrapped with ``{% blocktranslate trimmed %}`` (same message, same
output). Where a line break would render as a space (inline content: a number and its "$", a name and its
link, badges in a row) the line is broken only where there already was a space, inside a tag, or beside a
block edge.

What is left over the limit is a Django tag or an attribute value, which cannot span lines, or a run of
inline content not yet rewritten: the templates below may keep such lines, up to their own length (a
ratchet: lower it, never raise it, and take a template off the list once it fits).
"""

from pathlib import Path

from django.conf import settings

LIMIT = 160

# A {% translate %} tag cannot span lines; {% blocktranslate %} could, but it leaves the text unescaped,
# so an apostrophe or a quote in the English or French sentence would render differently (' for &#x27;).
SENTENCE = "one {% translate %} sentence with an apostrophe or a quote"
# An attribute value cannot take a line break: a new line inside a URL is part of the attribute.
QUERY = "a link's query string, one attribute value"
# Text, links and badges in one run: a break there would add a space, or serve a new line where the page
# (and the tests that read it) has one space. To split: {% blocktranslate trimmed %} or a {% with %}.
INLINE = "inline content, where a break changes the text served"

# template (relative to templates/) -> (its longest line today, why it cannot be broken)
LONGER = {
    "loans/_meeting_rhythm.html": (706, INLINE),
    "circles/circle_detail.html": (354, INLINE),
    "emails/advisor_digest.html": (352, INLINE),
    "loans/loan_disburse_confirm.html": (324, INLINE),
    "coaching/reassign.html": (304, INLINE),
    "loans/guaranteed_list.html": (302, SENTENCE),
    "reports/capital.html": (250, INLINE),
    "loans/loan_form.html": (235, INLINE),
    "loans/loan_detail.html": (233, INLINE),
    "circles/_panel_entrepreneur.html": (231, INLINE),
    "pdf/circle_report.html": (230, INLINE),
    "coaching/my_coaching.html": (226, INLINE),
    "circles/_panel_advisor.html": (218, INLINE),
    "coaching/_milestones.html": (214, INLINE),
    "partials/pagination.html": (213, QUERY),
    "reports/_report_tables.html": (212, QUERY),
    "circles/my_circle.html": (206, INLINE),
    "pdf/_guarantee.html": (203, INLINE),
    "loans/restructuring_detail.html": (201, INLINE),
    "loans/loan_approve.html": (200, INLINE),
    "pdf/collection_sheet.html": (196, INLINE),
    "documents/document_list.html": (190, INLINE),
    "circles/upcoming_meetings.html": (186, SENTENCE),
    "emails/guarantor_call.html": (180, SENTENCE),
    "reports/drill_down.html": (179, QUERY),
    "accounts/entrepreneur_detail.html": (176, INLINE),
    "circles/training_detail.html": (174, INLINE),
    "imports/batch.html": (173, INLINE),
    "loans/settlement_form.html": (164, SENTENCE),
    "privacy/access_log.html": (163, INLINE),
    "coaching/_home_entrepreneur.html": (162, INLINE),
    "coaching/_shared_session.html": (161, INLINE),
}


def _templates():
    root = Path(settings.BASE_DIR) / "templates"
    # HTML only: in a text email (.txt) the line breaks are the message's own.
    for path in sorted(root.rglob("*.html")):
        yield path.relative_to(root).as_posix(), path.read_text()


def too_long_lines(name: str, text: str, longer=None) -> list[str]:
    allowed = (LONGER if longer is None else longer).get(name, (LIMIT, ""))[0]
    return [
        f"{name}:{number} ({len(line)} > {allowed})"
        for number, line in enumerate(text.splitlines(), start=1)
        if len(line) > allowed
    ]


def test_no_template_line_is_longer_than_the_limit():
    too_long = [problem for name, text in _templates() for problem in too_long_lines(name, text)]
    assert too_long == []


def test_the_check_finds_a_long_line():
    """The check itself: one character over the limit is reported, with its line; the limit itself passes."""
    fits = "<p>\n" + "x" * LIMIT + "\n</p>\n"
    over = "<p>\n" + "x" * (LIMIT + 1) + "\n</p>\n"
    assert too_long_lines("a.html", fits) == []
    assert too_long_lines("a.html", over) == [f"a.html:2 ({LIMIT + 1} > {LIMIT})"]
    # A listed template gets its own allowance, and only that.
    longer = {"b.html": (LIMIT + 1, SENTENCE)}
    assert too_long_lines("b.html", over, longer) == []
    longest = over + "y" * (LIMIT + 2)
    assert too_long_lines("b.html", longest, longer) == [f"b.html:4 ({LIMIT + 2} > {LIMIT + 1})"]


def test_the_exceptions_are_still_needed():
    """A template that now fits comes off the list; a shorter longest line lowers its allowance."""
    longest = {name: max((len(line) for line in text.splitlines()), default=0) for name, text in _templates()}
    stale = {
        name: (allowed, longest.get(name))
        for name, (allowed, _why) in LONGER.items()
        if longest.get(name) != allowed
    }
    assert stale == {}
