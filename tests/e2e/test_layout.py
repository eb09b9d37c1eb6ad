"""Pages fit phones and small laptops (issue #13, 10): the main pages of each persona, in French, at 375 px
(a phone) and 1280 px (a small laptop), never scroll sideways: ``document.documentElement.scrollWidth`` is
at most the viewport's width. A screenshot of each is written to a temporary folder (not committed:
``LAYOUT_SCREENSHOTS=/some/dir`` keeps them) to look at."""

import base64
import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from circles.models import Membership
from loans import services as loan_services
from tests.circles.factories import MeetingFactory, circle_with_members
from tests.coaching.factories import CoachingSessionFactory, PartnerFactory, ReferralFactory
from tests.e2e.helpers import sign_in
from tests.factories import EntrepreneurFactory
from tests.loans.factories import disbursed_loan, submitted_loan

WIDTHS = (375, 1280)
# Tables whose columns do not all show: wider than the screen, or scrolling sideways in their own box.
HIDDEN_COLUMNS = """
const width = window.innerWidth;
return [...document.querySelectorAll('main table')].filter(t => {
  const box = t.parentElement;
  return t.getBoundingClientRect().right > width + 1 || box.scrollWidth > box.clientWidth + 1;
}).map(t => (t.tHead ? t.tHead.textContent : t.textContent).replace(/\\s+/g, ' ').trim().slice(0, 80));
"""
OVERFLOW = "return [document.documentElement.scrollWidth, window.innerWidth]"
# What sticks out, to say where it is when a page does not fit.
CULPRITS = """
const width = window.innerWidth;
return [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-responsive'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40));
"""


@pytest.fixture
def shots():
    folder = os.environ.get("LAYOUT_SCREENSHOTS") or tempfile.mkdtemp(prefix="layout-")
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


@pytest.fixture
def world(personas):
    advisor, me = personas.advisor, personas.entrepreneur
    me.business_name = "Boulangerie artisanale du Plateau"
    me.save()
    loan = disbursed_loan(
        advisor=advisor,
        borrower=me,
        disbursed_on=timezone.localdate() - datetime.timedelta(days=100),
        amount="1800.00",
    )
    loan_services.payment_record(
        loan=loan,
        amount=Decimal("160.00"),
        paid_on=timezone.localdate() - datetime.timedelta(days=60),
        method="cash",
        recorded_by=advisor,
    )
    circle = Membership.objects.get(profile=me, left_on=None).circle
    MeetingFactory(circle=circle, date=timezone.localdate())
    submitted_loan(advisor=advisor)
    for number in range(6):
        person = EntrepreneurFactory(advisor=advisor, business_name=f"Entreprise de services numéro {number}")
        CoachingSessionFactory(profile=person)
    ReferralFactory(profile=me)
    PartnerFactory()
    circle_with_members(5, advisor=advisor)
    return {"loan": loan, "circle": circle, "meeting": circle.meetings.get()}


def pages_of(world) -> dict[str, list[str]]:
    loan, circle, meeting = world["loan"], world["circle"], world["meeting"]
    return {
        "entrepreneur": [
            "/",
            "/loans/",
            f"/loans/{loan.pk}/",
            "/circles/my-circle/",
            "/coaching/me/",
            "/people/me/",
            # Her own file, as she sees it: its button row wraps on a phone.
            f"/people/entrepreneurs/{loan.borrower_id}/",
        ],
        "advisor": [
            "/",
            "/coaching/caseload/",
            "/loans/",
            "/loans/arrears/",
            f"/loans/{loan.pk}/",
            "/circles/",
            f"/circles/{circle.pk}/",
            f"/circles/meetings/{meeting.pk}/record/",
            "/people/entrepreneurs/",
            f"/people/entrepreneurs/{loan.borrower_id}/",
            "/coaching/referrals/",
        ],
        "coordinator": [
            "/",
            "/loans/approvals/",
            "/loans/products/",
            "/coaching/partners/",
            "/coaching/reassign/",
            "/organization/settings/",
            "/reports/",
        ],
        "board": ["/", "/reports/"],
    }


def fit(browser, width: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def test_every_main_page_fits_a_phone_and_a_small_laptop(browser, live_server, personas, world, shots):
    usernames = {
        "entrepreneur": "entrepreneur",
        "advisor": "advisor",
        "coordinator": "coordinator",
        "board": "board",
    }
    problems, taken = [], 0
    for persona, urls in pages_of(world).items():
        fit(browser, 1280)
        sign_in(browser, live_server, usernames[persona])
        for url in urls:
            for width in WIDTHS:
                fit(browser, width)
                browser.get(live_server.url + url)
                assert browser.find_element("css selector", "html").get_attribute("lang") == "fr-ca"
                scroll_width, inner_width = browser.execute_script(OVERFLOW)
                name = f"{persona}{url.replace('/', '_')}{width}.png"
                shot = browser.execute_cdp_cmd(
                    "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
                )
                (shots / name).write_bytes(base64.b64decode(shot["data"]))
                taken += 1
                hidden = browser.execute_script(HIDDEN_COLUMNS)
                if hidden:
                    problems.append(f"{persona} {url} at {width}px: table columns off screen: {hidden}")
                if scroll_width > inner_width:
                    where = browser.execute_script(CULPRITS)
                    problems.append(f"{persona} {url} at {width}px: {scroll_width} > {inner_width} {where}")
    assert taken == 2 * sum(len(urls) for urls in pages_of(world).values())
    assert not problems, "\n".join(problems)


def test_the_french_navigation_fits_on_one_line_at_1280_and_1366(browser, live_server, personas):
    # The widest case, not a random one: every first name longer than the 4rem the menu gives it (the
    # factories' random names made the width vary from run to run).
    for user in (personas.coordinator, personas.advisor, personas.entrepreneur.user, personas.board):
        user.first_name = "Marie-Ève-Geneviève"
        user.save(update_fields=["first_name"])
    for persona in ("coordinator", "advisor", "entrepreneur", "board"):
        fit(browser, 1280)
        sign_in(browser, live_server, persona)
        for width in (1280, 1366):
            fit(browser, width)
            browser.get(live_server.url + "/")
            nav = browser.find_element("css selector", "nav.navbar")
            height = nav.size["height"]
            assert height < 80, (persona, width, height)  # one line, not two
            scroll_width, inner_width = browser.execute_script(OVERFLOW)
            assert scroll_width <= inner_width, (persona, width)
            # Nothing of the bar is cut at the right edge either (the page's own width, scroll bar excluded).
            right = browser.execute_script(
                "return Math.max(...[...document.querySelectorAll("
                "'nav.navbar .navbar-collapse > *, nav.navbar .navbar-brand')]"
                ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect().right))"
            )
            visible = browser.execute_script("return document.documentElement.clientWidth")
            assert right <= visible, (persona, width, right, visible)
            # The brand (the organization's name, at the left) stays readable: never squeezed to a sliver to
            # make room for the menu, the whole name shown (on two lines at most).
            shown, needed, lines = browser.execute_script(
                "const b = document.querySelector('nav.navbar .navbar-brand');"
                "return [b.clientWidth, b.scrollWidth, Math.round(b.getBoundingClientRect().height /"
                " parseFloat(getComputedStyle(b).lineHeight))]"
            )
            assert shown >= 100 and needed <= shown + 1 and lines <= 2, (persona, width, shown, needed, lines)
