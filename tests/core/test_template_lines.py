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
LATER = "not reformatted yet (issue #19)"

# template (relative to templates/) -> (its longest line today, why it cannot be broken)
LONGER = {
    "loans/loan_form.html": (939, LATER),
    "loans/_panel_file.html": (867, LATER),
    "pdf/collection_sheet.html": (774, LATER),
    "loans/_meeting_collection.html": (765, LATER),
    "loans/_meeting_rhythm.html": (706, LATER),
    "loans/product_list.html": (681, LATER),
    "loans/loan_detail.html": (659, LATER),
    "emails/advisor_digest.html": (451, LATER),
    "loans/_reminders.html": (441, LATER),
    "loans/_queue_table.html": (428, LATER),
    "loans/_panel_entrepreneur.html": (407, LATER),
    "loans/_status.html": (404, LATER),
    "loans/_panel_staff.html": (381, LATER),
    "loans/guarantee_calls.html": (360, LATER),
    "loans/guaranteed_list.html": (360, LATER),
    "loans/_meeting_collected.html": (358, LATER),
    "circles/circle_detail.html": (354, INLINE),
    "loans/settlement_form.html": (353, LATER),
    "documents/_document_status.html": (348, LATER),
    "reports/drill_down.html": (348, LATER),
    "reports/_nav.html": (345, LATER),
    "imports/index.html": (343, LATER),
    "imports/kind.html": (343, LATER),
    "loans/circle_review.html": (333, LATER),
    "reports/_dashboard_region.html": (327, LATER),
    "documents/_portfolio_report.html": (315, LATER),
    "reports/capital.html": (312, LATER),
    "documents/_request_button.html": (309, LATER),
    "coaching/reassign.html": (304, INLINE),
    "loans/_payoff_figures.html": (301, LATER),
    "loans/restructuring_detail.html": (299, LATER),
    "reports/_report_tables.html": (296, LATER),
    "loans/_schedule_table.html": (293, LATER),
    "pdf/_schedule.html": (293, LATER),
    "pdf/payoff_quote.html": (284, LATER),
    "documents/document_detail.html": (282, LATER),
    "loans/_request_preview.html": (281, LATER),
    "loans/loan_approve.html": (278, LATER),
    "imports/batch.html": (271, LATER),
    "pdf/base.html": (265, LATER),
    "loans/_schedule_compare.html": (264, LATER),
    "loans/loan_list.html": (259, LATER),
    "loans/loan_disburse_confirm.html": (258, LATER),
    "privacy/personal_file.html": (248, LATER),
    "loans/_vote_meaning.html": (243, LATER),
    "documents/document_list.html": (241, LATER),
    "emails/reminder.html": (234, LATER),
    "pdf/circle_report.html": (234, LATER),
    "loans/_confirm_page.html": (233, LATER),
    "loans/_form_page.html": (233, LATER),
    "loans/restructuring_form.html": (233, LATER),
    "circles/_panel_entrepreneur.html": (231, INLINE),
    "privacy/retention.html": (229, LATER),
    "coaching/my_coaching.html": (226, INLINE),
    "pdf/_guarantee.html": (224, LATER),
    "privacy/privacy_page.html": (219, LATER),
    "circles/_panel_advisor.html": (218, INLINE),
    "loans/_repayment.html": (216, LATER),
    "coaching/_milestones.html": (214, INLINE),
    "partials/pagination.html": (213, QUERY),
    "circles/my_circle.html": (206, INLINE),
    "pdf/loan_agreement.html": (203, LATER),
    "reports/_home_board.html": (193, LATER),
    "circles/upcoming_meetings.html": (186, SENTENCE),
    "loans/approval_queue.html": (185, LATER),
    "pdf/_terms.html": (184, LATER),
    "pdf/loan_statement.html": (184, LATER),
    "privacy/access_log.html": (184, LATER),
    "emails/guarantor_call.html": (180, SENTENCE),
    "loans/_nav_advisor.html": (180, LATER),
    "loans/_guarantee.html": (178, LATER),
    "privacy/request_list.html": (178, LATER),
    "accounts/entrepreneur_detail.html": (176, INLINE),
    "pdf/_borrower.html": (175, LATER),
    "circles/training_detail.html": (174, INLINE),
    "loans/_panel_circle.html": (174, LATER),
    "privacy/_home_coordinator.html": (171, LATER),
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
